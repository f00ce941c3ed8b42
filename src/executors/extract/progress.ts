import type { ExecutionContext } from "../../contracts/step.ts";

/** How often, at most, progress is handed to the context (the service stores it with the execution). */
const REPORT_MS = 1000;

/**
 * Progress of a load in key-range chunks: chunks done of the load (a resumed load counts the chunks landed
 * before), rows and rate of this run, and the time left at this run's pace per chunk. Reported to the execution
 * context and returned as the text of the chunk's log line.
 */
export class ChunkProgress {
  private readonly started = performance.now();
  private rows = 0;
  private landedHere = 0;
  private lastReport = 0;

  constructor(
    private readonly table: string,
    private done: number,
    private readonly total: number,
    private readonly ctx: Pick<ExecutionContext, "progress">,
  ) {
    this.report(true);
  }

  /** Records one landed chunk of `rows` rows; returns the progress as log text. */
  landed(rows: number): string {
    this.done += 1;
    this.landedHere += 1;
    this.rows += rows;
    const eta = this.eta();
    this.report(this.done === this.total);
    return `${this.done}/${this.total} chunks, ${this.rows} rows this run at ${this.rate()} rows/s${
      eta === null ? "" : `, about ${formatSeconds(eta)} left`
    }`;
  }

  /** Rows per second of this run so far. */
  rate(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? Math.round(this.rows / seconds) : 0;
  }

  /** Seconds until the last chunk lands at this run's pace per chunk; null before the run's first chunk. */
  private eta(): number | null {
    if (this.landedHere === 0) return null;
    const perChunk = (performance.now() - this.started) / 1000 / this.landedHere;
    return Math.round(perChunk * (this.total - this.done));
  }

  private report(force: boolean): void {
    if (!this.ctx.progress) return;
    const now = performance.now();
    if (!force && now - this.lastReport < REPORT_MS) return;
    this.lastReport = now;
    this.ctx.progress({
      table: this.table,
      chunksDone: this.done,
      chunksTotal: this.total,
      rows: this.rows,
      rowsPerSecond: this.rate(),
      etaSeconds: this.eta(),
    });
  }
}

/** `95 s`, `12 min`, `3.4 h`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
