import type { Logger, StepMetrics } from "../contracts/step.ts";
import type { ExecutionStore, LogLine, WireMetrics } from "../state/executions.ts";

const FLUSH_MS = 200;
const FLUSH_LINES = 50;

/**
 * The logger an executor writes to: lines are numbered and stored in small batches, so that a chatty executor
 * costs one INSERT per batch and a reader polling the logs endpoint sees lines within a fraction of a second.
 * `scrub` removes known secrets from each line before it is stored or echoed (the lines are served over HTTP and
 * copied into Airflow's task log).
 */
export class ExecutionLog implements Logger {
  private buffer: LogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ExecutionStore,
    private readonly executionId: string,
    private seq: number,
    private readonly echo?: (line: LogLine) => void,
    private readonly scrub: (message: string) => string = (m) => m,
  ) {}

  info(message: string): void {
    this.push("info", message);
  }
  warn(message: string): void {
    this.push("warn", message);
  }
  error(message: string): void {
    this.push("error", message);
  }

  /** Writes what is buffered; resolves once every earlier line is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    // Chained so that batches land in order; a failed write loses its lines but never the execution.
    this.flushing = this.flushing.then(() => this.store.appendLogs(this.executionId, lines).catch(() => {}));
    return this.flushing;
  }

  private push(level: LogLine["level"], message: string): void {
    const line = { seq: this.seq++, ts: new Date().toISOString(), level, message: this.scrub(message) };
    this.echo?.(line);
    this.buffer.push(line);
    if (this.buffer.length >= FLUSH_LINES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** StepMetrics in the wire form of the task hook API (snake_case keys, per-table and per-step metrics alike). */
export function toWireMetrics(metrics: StepMetrics, durationMs?: number): WireMetrics {
  const wire: WireMetrics = {};
  for (const [key, value] of Object.entries(metrics)) {
    if ((key === "tables" || key === "steps") && value) {
      wire[key] = Object.fromEntries(
        Object.entries(value as Record<string, StepMetrics>).map(([t, m]) => [t, toWireMetrics(m)]),
      );
    } else if (value !== undefined) {
      wire[snake(key)] = value;
    }
  }
  if (durationMs !== undefined) wire.duration_ms = durationMs;
  return wire;
}
