import type { FreshnessSla } from "../spec/types.ts";
import type { AuditEntry } from "../state/audit.ts";
import type { Execution } from "../state/executions.ts";
import type { RowCount } from "../warehouse/types.ts";

/**
 * What the pages show, gathered by `data.ts` and rendered by `pages/*`. Every part that comes from another
 * system (warehouse, landing zone, Airflow) carries its own failure, so one system being down degrades one panel
 * instead of the page.
 */

/** A value read from another system, or why it could not be read. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; message: string };

/** A DAG run in Airflow, with the link to its page in the Airflow UI. */
export interface DagRunSummary {
  runId: string;
  state: string | null;
  startDate: string | null;
  endDate: string | null;
  url: string;
}

/** An Airflow DAG of a pipeline: whether Airflow knows it, whether it is paused, its latest runs. */
export interface DagSummary {
  dagId: string;
  url: string;
  /** False when Airflow has no such DAG (not published, or not parsed yet). */
  exists: boolean;
  paused: boolean | null;
  importErrors: boolean;
  runs: DagRunSummary[];
}

/** Airflow's view of a pipeline; `configured: false` when the service has no Airflow URL. */
export type AirflowPanel = { configured: false } | { configured: true; dags: Fetched<DagSummary[]> };

/** One pipeline on the pipelines page. */
export interface PipelineRow {
  name: string;
  origin: string;
  file: string;
  /** Why the spec does not load, when it does not. */
  error?: string;
  tables: number;
  models: number;
  lastExecution: Execution | null;
  airflow: AirflowPanel;
}

export type { RowCount };

/** The extract side of a table: stored watermark and the last landed batch. */
export interface LandingState {
  batchId: string;
  watermark: unknown[] | null;
  runs: number;
  updatedAt: string;
  /** Rows and creation time of the last batch, from its manifest. */
  manifest: Fetched<{ rows: number; createdAt: string; mode: string } | null>;
}

/** The bronze side of a table, from the warehouse's `_smelter` bookkeeping and the table itself. */
export interface BronzeState {
  version: number;
  /** When the last change was committed. */
  committedAt: string | null;
  /**
   * When the newest source change bronze holds was made (the newest applied batch's high watermark, for a table
   * whose cursor is a timestamp): freshness is measured from here, else from `committedAt`.
   */
  changedAt?: string | null;
  batches: number;
  /** Rows of every batch applied to bronze. */
  appliedRows: number;
  rows: RowCount | null;
}

/** One finished run of a step of a table, as the trend charts draw it. */
export interface RunPoint {
  id: string;
  status: string;
  finishedAt: string;
  ms: number;
  /** Extract: rows landed; bronze: changes applied (inserted + updated + deleted); null when not reported. */
  rows: number | null;
}

/** A table's recent runs, oldest first, for the trend charts. */
export interface TableTrend {
  extract: RunPoint[];
  bronze: RunPoint[];
}

export interface TableRow {
  name: string;
  source: string;
  mode: string;
  cursor: string[];
  landing: LandingState | null;
  bronze: BronzeState | null;
  /** The table's freshness SLA from the spec; absent: none. */
  freshness?: FreshnessSla;
  /** Its recent runs; absent when the state database did not answer. */
  trend?: TableTrend;
}

export interface ModelRow {
  name: string;
  from: string;
  /** Last bronze version merged, and the source table's version, to show how far behind the model is. */
  checkpoint: number | null;
  sourceVersion: number | null;
  updatedAt: string | null;
  rows: RowCount | null;
  /** When the newest change the model holds was committed to bronze (see `modelChangedAt`). */
  changedAt?: string | null;
  /** The model's freshness SLA from the spec; absent: none. */
  freshness?: FreshnessSla;
}

/** Everything the page of one pipeline shows. */
export interface PipelineDetail {
  name: string;
  origin: string;
  file: string;
  error?: string;
  bronzeSchema: string;
  silverSchema: string;
  tables: TableRow[];
  models: ModelRow[];
  /** Failure to reach the warehouse (the table and model rows then lack bronze/silver parts). */
  warehouse: Fetched<null>;
  executions: Execution[];
  /** The latest operator actions on the pipeline, newest first. */
  audit: AuditEntry[];
  airflow: AirflowPanel;
}

/** Links from an execution to its Airflow task instance and DAG run. */
export interface AirflowLinks {
  run: string;
  task: string;
}

/** The execution page. */
export interface ExecutionDetail {
  execution: Execution;
  airflow: AirflowLinks | null;
  /** Every stored log line up to the first page; the page polls for the rest. */
  log: { lines: { seq: number; ts: string; level: string; message: string }[]; nextOffset: number };
}
