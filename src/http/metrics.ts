import type { StepMetrics } from "../contracts/step.ts";
import type { Execution, ExecutionStatus } from "../state/executions.ts";

const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 10800];

type Labels = Record<string, string>;

const labelText = (labels: Labels): string => {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
  );
  return parts.length ? `{${parts.join(",")}}` : "";
};

/**
 * The service's Prometheus metrics, in the text exposition format (no client library: a handful of counters
 * and one histogram). Counters are per replica, as Prometheus expects; queue depth is read from the registry.
 */
export class ServiceMetrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly durations = new Map<string, { buckets: number[]; sum: number; count: number }>();

  /** Records a finished execution: outcome, rows, bytes and duration by step. */
  readonly observe = (
    execution: Execution,
    outcome: "success" | "failed" | "cancelled",
    metrics: StepMetrics | undefined,
    durationMs: number,
  ): void => {
    const step = execution.step;
    this.add("smelter_executions_total", { step, outcome }, 1);
    if (metrics) {
      const rows: [string, number | undefined][] = [
        ["read", metrics.rowsRead],
        ["landed", metrics.rowsLanded],
        ["inserted", metrics.inserted],
        ["updated", metrics.updated],
        ["deleted", metrics.deleted],
      ];
      for (const [kind, n] of rows) if (n) this.add("smelter_rows_total", { step, kind }, n);
      if (metrics.bytes) this.add("smelter_bytes_total", { step }, metrics.bytes);
      if (metrics.chunks) this.add("smelter_chunks_total", { step }, metrics.chunks);
    }
    const seconds = durationMs / 1000;
    let d = this.durations.get(step);
    if (!d) {
      d = { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(step, d);
    }
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) d.buckets[i]! += 1;
    });
    d.sum += seconds;
    d.count += 1;
  };

  /** Counts an HTTP response by route and status class. */
  request(method: string, route: string, status: number): void {
    this.add("smelter_http_requests_total", { method, route, status: `${Math.floor(status / 100)}xx` }, 1);
  }

  /** The exposition text; `gauges` are current values read at scrape time. */
  render(gauges: { executionsByStatus: Record<ExecutionStatus, number>; active: number }): string {
    const out: string[] = [];
    const help: Record<string, string> = {
      smelter_executions_total: "Executions finished by this replica, by step and outcome.",
      smelter_rows_total: "Rows processed by finished executions, by step and kind.",
      smelter_bytes_total: "Bytes landed or loaded by finished executions, by step.",
      smelter_chunks_total: "Key-range chunks landed by finished executions (chunked loads), by step.",
      smelter_http_requests_total: "HTTP responses by route and status class.",
    };
    for (const [metric, text] of Object.entries(help)) {
      out.push(`# HELP ${metric} ${text}`, `# TYPE ${metric} counter`);
      for (const [labels, value] of this.counters.get(metric) ?? []) out.push(`${metric}${labels} ${value}`);
    }
    out.push(
      "# HELP smelter_execution_duration_seconds Duration of finished executions, by step.",
      "# TYPE smelter_execution_duration_seconds histogram",
    );
    for (const [step, d] of this.durations) {
      for (const [i, le] of DURATION_BUCKETS.entries()) {
        const labels = labelText({ step, le: String(le) });
        out.push(`smelter_execution_duration_seconds_bucket${labels} ${d.buckets[i]}`);
      }
      out.push(`smelter_execution_duration_seconds_bucket${labelText({ step, le: "+Inf" })} ${d.count}`);
      out.push(`smelter_execution_duration_seconds_sum${labelText({ step })} ${d.sum}`);
      out.push(`smelter_execution_duration_seconds_count${labelText({ step })} ${d.count}`);
    }
    out.push(
      "# HELP smelter_executions Executions in the run registry (all replicas), by status.",
      "# TYPE smelter_executions gauge",
    );
    for (const [status, n] of Object.entries(gauges.executionsByStatus)) {
      out.push(`smelter_executions${labelText({ status })} ${n}`);
    }
    out.push(
      "# HELP smelter_executions_active Executions running on this replica.",
      "# TYPE smelter_executions_active gauge",
      `smelter_executions_active ${gauges.active}`,
    );
    return `${out.join("\n")}\n`;
  }

  private add(metric: string, labels: Labels, value: number): void {
    let series = this.counters.get(metric);
    if (!series) {
      series = new Map();
      this.counters.set(metric, series);
    }
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + value);
  }
}
