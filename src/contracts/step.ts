import type { LoadedPipeline } from "../spec/types.ts";
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

/** What Airflow asks to run: a table (or silver model), or every table of one source. Nothing secret. */
export type TaskRequest =
  | { pipeline: string; step: Step; table: string; source?: undefined }
  | { pipeline: string; step: Step; source: string; table?: undefined };

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
  /** Per-table metrics when a task covers a whole source. */
  tables?: Record<string, StepMetrics>;
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
  /**
   * Connections to the source this execution may hold at once; default: the source's `maxConnections`.
   * A task for a whole source divides that budget among the tables it runs side by side.
   */
  connectionBudget?: number;
}

/** One step for one table or model. Throws a SmelterError on failure. */
export type Executor = (request: TaskRequest, ctx: ExecutionContext) => Promise<StepMetrics>;
