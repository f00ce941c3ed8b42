import { randomBytes } from "node:crypto";
import type { RequestMode, Step, StepProgress, TaskRequest } from "../contracts/step.ts";
import type { ErrorInfo } from "../errors.ts";

/*
 * An execution as the run registry stores it (`smelter.executions`), and the request it runs: the record the
 * store reads and writes, the API and the pages show.
 */

/** The Airflow task instance that asked for an execution. */
export interface AirflowContext {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  try_number: number;
  logical_date: string | null;
}

export type ExecutionStatus = "queued" | "running" | "success" | "failed" | "cancelled";

/** Metrics in their wire form (snake_case), as the task hook API returns them. */
export type WireMetrics = Record<string, unknown>;

/** An execution record as stored; the HTTP layer adds links. */
export interface Execution {
  id: string;
  pipeline: string;
  step: Step;
  table: string | null;
  source: string | null;
  status: ExecutionStatus;
  idempotency_key: string;
  airflow: AirflowContext | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  metrics: WireMetrics | null;
  error: ErrorInfo | null;
  /** A run other than the step's usual one (re-sync, backfill, silver rebuild); null for the usual run. */
  mode: RequestMode | null;
  /** The later steps of the table run in the same execution. */
  downstream: boolean;
  /** Where a long step stands while it runs (chunked loads); the last report stays after it ends. */
  progress: StepProgress | null;
  /** The execution this one re-runs. */
  rerun_of: string | null;
  /** The step and the later steps of the table run as child executions of this one (`chain`). */
  chain: boolean;
  /** The chain execution that ran this step, if one did. */
  parent_id: string | null;
}

export interface NewExecution {
  request: TaskRequest;
  idempotencyKey: string;
  airflow: AirflowContext | null;
  /** The execution this one re-runs. */
  rerunOf?: string;
}

export type SubmitResult =
  | { kind: "created"; execution: Execution }
  | { kind: "existing"; execution: Execution }
  | { kind: "conflict"; execution: Execution }
  | { kind: "queue_full"; queued: number };

export interface LogLine {
  seq: number;
  ts: string;
  level: "info" | "warn" | "error";
  message: string;
}

/** A row of `smelter.executions` as the driver returns it: the record with its timestamps as dates. */
export interface Row extends Omit<Execution, "table" | "created_at" | "started_at" | "finished_at"> {
  table_name: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The record of a row (timestamps as ISO 8601 text). */
export function toExecution(row: Row): Execution {
  return {
    id: row.id,
    pipeline: row.pipeline,
    step: row.step,
    table: row.table_name,
    source: row.source,
    status: row.status,
    idempotency_key: row.idempotency_key,
    airflow: row.airflow,
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    metrics: row.metrics,
    error: row.error,
    mode: row.mode,
    downstream: row.downstream,
    progress: row.progress,
    rerun_of: row.rerun_of,
    chain: row.chain,
    parent_id: row.parent_id,
  };
}

/** The task request an execution runs. */
export function requestOf(execution: Execution): TaskRequest {
  const options = {
    ...(execution.mode ? { mode: execution.mode } : {}),
    ...(execution.downstream ? { downstream: true } : {}),
    ...(execution.chain ? { chain: true } : {}),
  };
  return execution.table !== null
    ? { pipeline: execution.pipeline, step: execution.step, table: execution.table, ...options }
    : { pipeline: execution.pipeline, step: execution.step, source: execution.source ?? "", ...options };
}

/** Whether two requests ask for the same work (an idempotency key sent again must). */
export function sameRequest(execution: Execution, r: TaskRequest): boolean {
  return (
    execution.pipeline === r.pipeline &&
    execution.step === r.step &&
    execution.table === (r.table ?? null) &&
    execution.source === (r.source ?? null) &&
    JSON.stringify(execution.mode) === JSON.stringify(r.mode ?? null) &&
    execution.downstream === (r.downstream ?? false) &&
    execution.chain === (r.chain ?? false)
  );
}

/** A new execution id: `ex_` + time in base 36 + 12 random hex digits. */
export function newExecutionId(): string {
  return `ex_${Date.now().toString(36)}${randomBytes(6).toString("hex")}`;
}
