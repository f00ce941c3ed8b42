import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { StepMetrics } from "../contracts/step.ts";
import { freshnessLevel } from "../spec/freshness.ts";
import type { Execution, ExecutionStatus } from "../state/executions.ts";
import type { FreshnessSnapshot } from "./freshness.ts";

/** Buckets of execution durations, in seconds: from a one-second silver merge to a three-hour backfill. */
const EXECUTION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 10800];

/** Buckets of HTTP request durations, in seconds; long-polls (`?wait=`) land in the last ones. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gauges read at scrape time; each part may be absent (a test app without a worker, say). */
export interface MetricsSources {
  /** Executions in the run registry, all replicas, by status. */
  executionsByStatus?: () => Promise<Record<ExecutionStatus, number>>;
  /** Executions running on this replica. */
  active?: () => number;
  /** Freshness of every pipeline's tables and models (cached: see FreshnessReader). */
  freshness?: () => Promise<FreshnessSnapshot>;
}

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one, so that several
 * apps can live in one process): process and runtime defaults, HTTP latency, executions, and gauges read at
 * scrape time from the run registry and the warehouses. Counters are per replica, as Prometheus expects.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources = {};
  private freshnessOfScrape: Promise<FreshnessSnapshot | undefined> | undefined;
  private readonly executions: Counter<"step" | "outcome">;
  private readonly rows: Counter<"step" | "kind">;
  private readonly bytes: Counter<"step">;
  private readonly chunks: Counter<"step">;
  private readonly executionSeconds: Histogram<"step">;
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly requestSeconds: Histogram<"method" | "route" | "status">;

  /** `defaults`: the process and runtime metrics of prom-client (CPU, memory, event loop lag, GC); default on. */
  constructor(options: { defaults?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaults !== false) collectDefaultMetrics({ register: this.registry });
    this.executions = new Counter({
      name: "smelter_executions_total",
      help: "Executions finished by this replica, by step and outcome.",
      labelNames: ["step", "outcome"],
      registers,
    });
    this.rows = new Counter({
      name: "smelter_rows_total",
      help: "Rows processed by finished executions, by step and kind (read, landed, inserted, updated, deleted).",
      labelNames: ["step", "kind"],
      registers,
    });
    this.bytes = new Counter({
      name: "smelter_bytes_total",
      help: "Bytes landed or loaded by finished executions, by step.",
      labelNames: ["step"],
      registers,
    });
    this.chunks = new Counter({
      name: "smelter_chunks_total",
      help: "Key-range chunks landed by finished executions (chunked loads), by step.",
      labelNames: ["step"],
      registers,
    });
    this.executionSeconds = new Histogram({
      name: "smelter_execution_duration_seconds",
      help: "Duration of finished executions, by step.",
      labelNames: ["step"],
      buckets: EXECUTION_BUCKETS,
      registers,
    });
    this.requests = new Counter({
      name: "smelter_http_requests_total",
      help: "HTTP responses by method, route and status class.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: "smelter_http_request_duration_seconds",
      help: "Time from a request's arrival to its response's end, by method, route and status code.",
      labelNames: ["method", "route", "status"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    const sources = () => this.sources;
    new Gauge({
      name: "smelter_executions",
      help: "Executions in the run registry (all replicas), by status; status queued is the queue depth.",
      labelNames: ["status"],
      registers,
      async collect() {
        const read = sources().executionsByStatus;
        if (!read) return;
        this.reset();
        for (const [status, n] of Object.entries(await read())) this.set({ status }, n);
      },
    });
    new Gauge({
      name: "smelter_executions_active",
      help: "Executions running on this replica.",
      registers,
      collect() {
        this.set(sources().active?.() ?? 0);
      },
    });
    this.freshnessGauges(registers, sources);
  }

  /** Where the gauges read from; set once the service's stores and worker exist. */
  readFrom(sources: MetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** Records a finished execution: outcome, rows, bytes and duration by step. */
  readonly observe = (
    execution: Execution,
    outcome: "success" | "failed" | "cancelled",
    metrics: StepMetrics | undefined,
    durationMs: number,
  ): void => {
    const step = execution.step;
    this.executions.inc({ step, outcome });
    if (metrics) {
      const rows: [string, number | undefined][] = [
        ["read", metrics.rowsRead],
        ["landed", metrics.rowsLanded],
        ["inserted", metrics.inserted],
        ["updated", metrics.updated],
        ["deleted", metrics.deleted],
      ];
      for (const [kind, n] of rows) if (n) this.rows.inc({ step, kind }, n);
      if (metrics.bytes) this.bytes.inc({ step }, metrics.bytes);
      if (metrics.chunks) this.chunks.inc({ step }, metrics.chunks);
    }
    this.executionSeconds.observe({ step }, durationMs / 1000);
  };

  /** Counts an HTTP response and its duration by method, route (the pattern, not the path) and status. */
  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: `${Math.floor(status / 100)}xx` });
    this.requestSeconds.observe({ method, route, status: String(status) }, seconds);
  }

  /** The exposition text, with the gauges read now. */
  render(): Promise<string> {
    this.freshnessOfScrape = undefined;
    return this.registry.metrics();
  }

  /** The Content-Type of `render`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private freshnessGauges(registers: Registry[], sources: () => MetricsSources): void {
    // One freshness read per scrape feeds every gauge below: the first gauge collected reads, the others reuse it.
    const snapshot = (): Promise<FreshnessSnapshot | undefined> => {
      const read = sources().freshness;
      // A failed read leaves the gauges empty for this scrape; it must not fail the other metrics.
      this.freshnessOfScrape ??= read ? read().catch(() => undefined) : Promise.resolve(undefined);
      return this.freshnessOfScrape;
    };
    type Series = [labels: Record<string, string>, value: number | null][];
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      series: (s: FreshnessSnapshot) => Series,
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          if (!s) return;
          for (const [labels, value] of series(s)) if (value !== null) this.set(labels, value);
        },
      });
    const table = (t: FreshnessSnapshot["tables"][number]) => ({ pipeline: t.pipeline, table: t.table });
    const model = (m: FreshnessSnapshot["models"][number]) => ({ pipeline: m.pipeline, model: m.model });
    gauge(
      "smelter_table_freshness_seconds",
      "Age of the newest source change a bronze table holds (of its newest commit when its cursor is not a timestamp), by pipeline and table.",
      ["pipeline", "table"],
      (s) => s.tables.map((t) => [table(t), t.ageSeconds]),
    );
    gauge(
      "smelter_table_version",
      "Newest change-feed version of a bronze table, by pipeline and table.",
      ["pipeline", "table"],
      (s) => s.tables.map((t) => [table(t), t.applied ? t.version : null]),
    );
    gauge(
      "smelter_model_freshness_seconds",
      "Age of the newest change a silver model holds (a lower bound while it is behind its table), by pipeline and model.",
      ["pipeline", "model"],
      (s) => s.models.map((m) => [model(m), m.ageSeconds]),
    );
    gauge(
      "smelter_silver_lag_versions",
      "Change-feed versions of its bronze table a silver model has not merged yet, by pipeline and model.",
      ["pipeline", "model", "table"],
      (s) => s.models.map((m) => [{ ...model(m), table: m.table }, m.applied ? m.lagVersions : null]),
    );
    gauge(
      "smelter_table_freshness_state",
      "A bronze table against its freshness SLA: 0 ok, 1 warn, 2 error; tables without an SLA or any commit have no series.",
      ["pipeline", "table"],
      (s) => s.tables.map((t) => [table(t), freshnessLevel(t.state)]),
    );
    gauge(
      "smelter_model_freshness_state",
      "A silver model against its freshness SLA: 0 ok, 1 warn, 2 error; models without an SLA or any merge have no series.",
      ["pipeline", "model"],
      (s) => s.models.map((m) => [model(m), freshnessLevel(m.state)]),
    );
    gauge(
      "smelter_warehouse_up",
      "Whether a pipeline's warehouse answered the last freshness read (1) or not (0), by pipeline.",
      ["pipeline"],
      (s) => [...s.reachable].map(([pipeline, up]) => [{ pipeline }, up ? 1 : 0]),
    );
  }
}
