import type { LoadedPipeline } from "../spec/types.ts";
import type { StepLineage } from "./lineage.ts";
import type { WatermarkStore } from "./stores.ts";

/**
 * The contracts between the parts that run work: what Airflow asks for (a task request), what an executor
 * receives (the execution context, with every store it may use) and what it reports (step metrics). Everything
 * that runs steps (the runtime, the CLI, the HTTP API, the state stores) imports these; they import nothing above
 * the spec.
 */

/** The three steps of a pipeline, in order; extract reads the source and lands parquet plus a manifest. */
export const STEPS = ["extract", "bronze", "silver"] as const;

/** One step of a pipeline. */
export type Step = (typeof STEPS)[number];

/**
 * A range of rows a backfill reads again: values of the cursor columns (`by: "cursor"`) or of the primary key
 * (`by: "key"`), compared as tuples; `from` inclusive, `to` exclusive, null for an open end.
 */
export interface BackfillRange {
  by: "cursor" | "key";
  from: unknown[] | null;
  to: unknown[] | null;
}

/**
 * A step run other than the usual one. Extract: `resync` reads the whole table again in key-range chunks and
 * its key set, so that bronze converges to the source (deletes included); `backfill` reads one range again
 * without moving the watermark. Silver: `rebuild` refills the model from bronze's current rows.
 */
export type RequestMode =
  | { kind: "resync" }
  | { kind: "backfill"; range: BackfillRange }
  | { kind: "rebuild" };

/** What a request may add to its target: a mode, and whether the later steps of the table run with it. */
export interface RequestOptions {
  /** Default: the step's usual run. Only for a table (silver: model) request. */
  mode?: RequestMode;
  /**
   * After the step, run the later steps of the same table in the same execution, under its locks: bronze, then
   * every silver model reading the table. How an operator's re-sync or backfill reaches silver. For a source
   * request, each table's later steps start as soon as its own step ended, beside the next tables' steps.
   */
  downstream?: boolean;
  /**
   * After the step, run the later steps of the same table one after the other, each as an execution of its own
   * (with its own locks, log and metrics) whose parent is this one: one Airflow task per table
   * (`airflow.layout: table`). A step that an earlier try of the same Airflow task finished in the same DAG run
   * is not run again, so a retry resumes at the step that failed. Not together with `downstream`.
   */
  chain?: boolean;
}

/** What Airflow asks to run: a table (or silver model), or every table of one source. Nothing secret. */
export type TaskRequest = (
  | { pipeline: string; step: Step; table: string; source?: undefined }
  | { pipeline: string; step: Step; source: string; table?: undefined }
) &
  RequestOptions;

/** Lines of an execution's log; they are stored with the execution and copied into the Airflow task log. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a step reports; every key is optional, a step fills what applies to it. */
export interface StepMetrics {
  rowsRead?: number;
  rowsLanded?: number;
  files?: number;
  bytes?: number;
  batches?: number;
  inserted?: number;
  updated?: number;
  deleted?: number;
  unchanged?: number;
  versionFrom?: number | null;
  versionTo?: number | null;
  /** Extract: the high watermark after this run, as JSON-able cursor values. */
  watermark?: unknown[] | null;
  /** Extract in key-range chunks: chunks landed by this run, and the chunks of the whole load. */
  chunks?: number;
  chunksTotal?: number;
  /** Rows landed per second of this run (chunked loads). */
  rowsPerSecond?: number;
  /** Bronze: columns the batches brought that bronze added (`add_columns`), or whose values it rescued (`rescue`). */
  columnsAdded?: string[];
  columnsRescued?: string[];
  /** Per-table metrics when a task covers a whole source. */
  tables?: Record<string, StepMetrics>;
  /** Metrics of the later steps a `downstream` request ran (a chain: of every step), by `extract`, `bronze`, `silver <model>`. */
  steps?: Record<string, StepMetrics>;
  /** A chain's step: the execution that ran it, and whether an earlier try of the task did (so it was not run again). */
  executionId?: string;
  ranBefore?: boolean;
  /** The datasets the step read and wrote, with their columns and the rows it wrote (see `LineageDataset`). */
  lineage?: StepLineage;
}

/**
 * Where a long step stands while it runs (a load in key-range chunks): stored with the execution, shown on its
 * page and in the API, and logged.
 */
export interface StepProgress {
  table: string;
  /** Chunks landed by this load (earlier runs of a resumed load included), and its chunks in all. */
  chunksDone: number;
  chunksTotal: number;
  /** Rows landed by this run, and its rate in rows per second. */
  rows: number;
  rowsPerSecond: number;
  /** Seconds until the last chunk lands, at this run's pace; null before the first chunk of the run. */
  etaSeconds: number | null;
}

/** Everything an executor may use besides its request. Created by the service (or the CLI) per execution. */
export interface ExecutionContext {
  executionId: string;
  pipeline: LoadedPipeline;
  log: Logger;
  /** Aborted when the execution is cancelled; executors stop at the next safe point and throw CancelledError. */
  signal: AbortSignal;
  /** Environment used to resolve `{ env: NAME }` settings and secrets; defaults to process.env. */
  env: NodeJS.ProcessEnv;
  /** Extract watermarks (the state database's, in the service and `smelter run`). */
  watermarks: WatermarkStore;
  /** Told where a long step stands (see `StepProgress`); absent where nobody shows it. */
  progress?: (progress: StepProgress) => void;
  /**
   * Connections to the source this execution may hold at once; default: the source's `maxConnections`.
   * A task for a whole source divides that budget among the tables it runs side by side.
   */
  connectionBudget?: number;
}

/** One step for one table or model. Throws a SmelterError on failure. */
export type Executor = (request: TaskRequest, ctx: ExecutionContext) => Promise<StepMetrics>;

/**
 * One step for several tables of a source request (`source` set) at once, where they share work (one read of the
 * source's log): the metrics of the tables it ran, and the tables it left to run one by one. Throws a
 * SmelterError on failure.
 */
export type SourceExecutor = (
  request: TaskRequest & { source: string },
  tables: string[],
  ctx: ExecutionContext,
) => Promise<{ results: Record<string, StepMetrics>; rest: string[] }>;
