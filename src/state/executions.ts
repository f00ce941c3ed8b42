import type pg from "pg";
import type { RequestMode, Step, StepProgress } from "../contracts/step.ts";
import type { ErrorInfo } from "../errors.ts";
import { inTransaction } from "./db.ts";
import { ExecutionEvents } from "./execution-events.ts";
import {
  type AirflowContext,
  type Execution,
  type ExecutionStatus,
  type LogLine,
  type NewExecution,
  newExecutionId,
  type Row,
  type SubmitResult,
  sameRequest,
  toExecution,
  type WireMetrics,
} from "./execution-record.ts";

export type {
  AirflowContext,
  Execution,
  ExecutionStatus,
  LogLine,
  NewExecution,
  SubmitResult,
  WireMetrics,
} from "./execution-record.ts";
export { newExecutionId, requestOf } from "./execution-record.ts";

/** Serialises submits so that the queue bound and the idempotency check are exact across replicas. */
const SUBMIT_LOCK = 0x736d7375; // "smsu"

/** While status changes are announced, a long poll still re-reads this often in case one went missing. */
const RECHECK_MS = 5000;
/** While they are not (listening connection lost), a long poll re-reads this often. */
const FALLBACK_POLL_MS = 500;

/**
 * The run registry: every execution Airflow asked for, across all replicas. The table itself is the queue:
 * any replica claims queued rows with `FOR UPDATE SKIP LOCKED`.
 */
export class ExecutionStore {
  /** Status changes announced by the state database; close it with the pool. */
  readonly events: ExecutionEvents;

  constructor(private readonly pool: pg.Pool) {
    this.events = new ExecutionEvents(pool.options);
  }

  /**
   * Records a new queued execution, or returns the one already recorded under the idempotency key (a conflict
   * when that one asked for something else). Refuses when `maxQueue` executions are already queued.
   */
  async submit(input: NewExecution, maxQueue: number): Promise<SubmitResult> {
    return inTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [SUBMIT_LOCK]);
      const existing = await client.query<Row>(
        "SELECT * FROM smelter.executions WHERE idempotency_key = $1",
        [input.idempotencyKey],
      );
      const found = existing.rows[0];
      if (found) {
        const execution = toExecution(found);
        return { kind: sameRequest(execution, input.request) ? "existing" : "conflict", execution };
      }
      const { rows: counted } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM smelter.executions WHERE status = 'queued'",
      );
      const queued = counted[0]?.n ?? 0;
      if (queued >= maxQueue) return { kind: "queue_full", queued };
      const { rows } = await client.query<Row>(
        `INSERT INTO smelter.executions
           (id, idempotency_key, pipeline, step, table_name, source, status, airflow, mode, downstream, rerun_of, chain)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, $11) RETURNING *`,
        [
          newExecutionId(),
          input.idempotencyKey,
          input.request.pipeline,
          input.request.step,
          input.request.table ?? null,
          input.request.source ?? null,
          input.airflow === null ? null : JSON.stringify(input.airflow),
          input.request.mode ? JSON.stringify(input.request.mode) : null,
          input.request.downstream ?? false,
          input.rerunOf ?? null,
          input.request.chain ?? false,
        ],
      );
      return { kind: "created", execution: toExecution(rows[0]!) };
    });
  }

  /**
   * Records one step of a running chain as an execution of its own, already running on `worker` (it runs in the
   * chain's slot, not through the queue), with the chain's Airflow context and the chain as its parent.
   */
  async startChild(
    parent: Execution,
    target: { step: Step; table: string; mode?: RequestMode },
    worker: string,
  ): Promise<Execution> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO smelter.executions
         (id, idempotency_key, pipeline, step, table_name, status, airflow, parent_id, worker, started_at, heartbeat_at, mode)
       VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, now(), now(), $9) RETURNING *`,
      [
        newExecutionId(),
        `${parent.idempotency_key}#${target.step}:${target.table}`,
        parent.pipeline,
        target.step,
        target.table,
        parent.airflow === null ? null : JSON.stringify(parent.airflow),
        parent.id,
        worker,
        target.mode ? JSON.stringify(target.mode) : null,
      ],
    );
    return toExecution(rows[0]!);
  }

  /**
   * The steps that chains of the same Airflow task instance (DAG, run, task, map index) ran successfully, by
   * `<step>:<table>`: what a retry of that task does not run again. Empty for an execution without Airflow context.
   */
  async doneSteps(airflow: AirflowContext | null): Promise<Map<string, Execution>> {
    const done = new Map<string, Execution>();
    if (airflow === null) return done;
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM smelter.executions
       WHERE parent_id IS NOT NULL AND status = 'success'
         AND airflow ->> 'run_id' = $1 AND airflow ->> 'task_id' = $2
         AND airflow ->> 'dag_id' = $3 AND (airflow ->> 'map_index')::int = $4
       ORDER BY finished_at`,
      [airflow.run_id, airflow.task_id, airflow.dag_id, airflow.map_index],
    );
    for (const row of rows) done.set(`${row.step}:${row.table_name}`, toExecution(row));
    return done;
  }

  async get(id: string): Promise<Execution | undefined> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM smelter.executions WHERE id = $1", [id]);
    return rows[0] ? toExecution(rows[0]) : undefined;
  }

  /**
   * The execution once its status is no longer `have`, or as it is when `ms` pass or `signal` aborts (a long
   * poll). Undefined for an unknown id.
   */
  async waitForChange(
    id: string,
    have: ExecutionStatus,
    ms: number,
    signal?: AbortSignal,
  ): Promise<Execution | undefined> {
    const deadline = Date.now() + ms;
    let execution = await this.get(id);
    while (execution?.status === have && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const recheck = this.events.listening ? RECHECK_MS : FALLBACK_POLL_MS;
      await this.events.changed(id, Math.min(left, recheck), signal);
      execution = await this.get(id);
    }
    return execution;
  }

  /** Most recent executions first, optionally of one pipeline and/or status. */
  async list(filter: { pipeline?: string; status?: ExecutionStatus; limit: number }): Promise<Execution[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM smelter.executions
       WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at DESC LIMIT $3`,
      [filter.pipeline ?? null, filter.status ?? null, filter.limit],
    );
    return rows.map(toExecution);
  }

  /**
   * The newest `limit` finished executions of `step` for each of `tables` of a pipeline, oldest first per table
   * (the pages' trend charts).
   */
  async recentRuns(
    pipeline: string,
    step: "extract" | "bronze" | "silver",
    tables: readonly string[],
    limit: number,
  ): Promise<Execution[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT e.* FROM unnest($2::text[]) AS t(name)
       CROSS JOIN LATERAL (
         SELECT * FROM smelter.executions
         WHERE pipeline = $1 AND table_name = t.name AND step = $3 AND finished_at IS NOT NULL
         ORDER BY created_at DESC LIMIT $4
       ) e
       ORDER BY e.table_name, e.created_at`,
      [pipeline, tables, step, limit],
    );
    return rows.map(toExecution);
  }

  /**
   * Takes the oldest queued execution for `worker`, with the next free sequence number of its log (0 unless lines
   * were stored for it before), or undefined when none is queued. One round trip for both.
   */
  async claim(worker: string): Promise<{ execution: Execution; nextLogSeq: number } | undefined> {
    const { rows } = await this.pool.query<Row & { next_log_seq: number }>(
      `UPDATE smelter.executions e SET status = 'running', started_at = now(), heartbeat_at = now(), worker = $1
       WHERE id = (SELECT id FROM smelter.executions WHERE status = 'queued'
                   ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING e.*, (SELECT coalesce(max(l.seq) + 1, 0)::int FROM smelter.execution_logs l
                        WHERE l.execution_id = e.id) AS next_log_seq`,
      [worker],
    );
    const row = rows[0];
    return row ? { execution: toExecution(row), nextLogSeq: row.next_log_seq } : undefined;
  }

  /** Proves `worker` is still alive; answers whether a cancel was requested meanwhile, and why. */
  async heartbeat(id: string, worker: string): Promise<{ cancelRequested: boolean; reason: string | null }> {
    const { rows } = await this.pool.query<{ cancel_requested: boolean; cancel_reason: string | null }>(
      `UPDATE smelter.executions SET heartbeat_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING cancel_requested, cancel_reason`,
      [id, worker],
    );
    const row = rows[0];
    // No row: another replica marked it finished (interrupted) meanwhile; stop working on it.
    return row
      ? { cancelRequested: row.cancel_requested, reason: row.cancel_reason }
      : { cancelRequested: true, reason: "the execution is no longer running here" };
  }

  /** Stores where a running execution stands (see `StepProgress`). */
  async setProgress(id: string, progress: StepProgress): Promise<void> {
    await this.pool.query(
      "UPDATE smelter.executions SET progress = $2 WHERE id = $1 AND status = 'running'",
      [id, JSON.stringify(progress)],
    );
  }

  /**
   * Records the outcome of a running execution and answers it as recorded; ignored (undefined) when another
   * replica already marked it.
   */
  async finish(
    id: string,
    worker: string,
    outcome: { status: "success" | "failed" | "cancelled"; metrics?: WireMetrics; error?: ErrorInfo },
  ): Promise<Execution | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE smelter.executions SET status = $3, metrics = $4, error = $5, finished_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING *`,
      [
        id,
        worker,
        outcome.status,
        outcome.metrics ? JSON.stringify(outcome.metrics) : null,
        outcome.error ? JSON.stringify(outcome.error) : null,
      ],
    );
    return rows[0] ? toExecution(rows[0]) : undefined;
  }

  /**
   * Cancels: a queued execution ends at once; a running one gets `cancel_requested` (and `reason`) and its
   * replica aborts it. A finished one is left as it is. Returns undefined for an unknown id.
   */
  async cancel(id: string, reason = "cancel requested over the API"): Promise<Execution | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE smelter.executions SET
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
         error = CASE WHEN status = 'queued'
                 THEN jsonb_build_object('type', 'Cancelled', 'retryable', false,
                        'message', 'cancelled before it started: ' || $2::text)
                 ELSE error END,
         cancel_reason = CASE WHEN status IN ('queued', 'running') THEN $2::text ELSE cancel_reason END,
         cancel_requested = (status IN ('queued', 'running'))
       WHERE id = $1 RETURNING *`,
      [id, reason],
    );
    return rows[0] ? toExecution(rows[0]) : undefined;
  }

  /** Queued and running executions that an Airflow task instance asked for, oldest first. */
  async activeFromAirflow(): Promise<Execution[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM smelter.executions
       WHERE status IN ('queued', 'running') AND airflow IS NOT NULL AND NOT cancel_requested
       ORDER BY created_at`,
    );
    return rows.map(toExecution);
  }

  /**
   * Marks failed (retryable) every running execution whose replica stopped proving it is alive: its process
   * died or was killed. With `worker`, marks that replica's executions regardless of heartbeat (shutdown).
   */
  async markInterrupted(opts: { leaseSeconds?: number; worker?: string }): Promise<string[]> {
    const message =
      opts.worker !== undefined
        ? "the service stopped while the execution was running"
        : "the replica running the execution stopped responding (process died or was killed)";
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE smelter.executions SET status = 'failed', finished_at = now(),
         error = jsonb_build_object('type', 'Interrupted', 'message', $3::text, 'retryable', true)
       WHERE status = 'running'
         AND ($1::text IS NULL OR worker = $1)
         AND ($2::int IS NULL OR heartbeat_at < now() - make_interval(secs => $2))
       RETURNING id`,
      [opts.worker ?? null, opts.leaseSeconds ?? null, message],
    );
    return rows.map((r) => r.id);
  }

  /** The running executions of a pipeline, oldest first (who may hold a lock another one waits for). */
  async running(pipeline: string): Promise<Execution[]> {
    const { rows } = await this.pool.query<Row>(
      "SELECT * FROM smelter.executions WHERE status = 'running' AND pipeline = $1 ORDER BY started_at",
      [pipeline],
    );
    return rows.map(toExecution);
  }

  async appendLogs(id: string, lines: LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.pool.query(
      `INSERT INTO smelter.execution_logs (execution_id, seq, ts, level, message)
       SELECT $1, * FROM unnest($2::int[], $3::timestamptz[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [
        id,
        lines.map((l) => l.seq),
        lines.map((l) => l.ts),
        lines.map((l) => l.level),
        lines.map((l) => l.message),
      ],
    );
  }

  async readLogs(id: string, offset: number, limit: number): Promise<LogLine[]> {
    const { rows } = await this.pool.query<{
      seq: number;
      ts: Date;
      level: LogLine["level"];
      message: string;
    }>(
      `SELECT seq, ts, level, message FROM smelter.execution_logs
       WHERE execution_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
      [id, offset, limit],
    );
    return rows.map((r) => ({ seq: r.seq, ts: r.ts.toISOString(), level: r.level, message: r.message }));
  }

  /** Deletes finished executions (and their logs) older than `days`. Returns how many went. */
  async deleteFinishedBefore(days: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM smelter.executions
       WHERE status IN ('success', 'failed', 'cancelled') AND finished_at < now() - make_interval(days => $1)`,
      [days],
    );
    return rowCount ?? 0;
  }

  /** Counts by status, for readiness and metrics. */
  async countByStatus(): Promise<Record<ExecutionStatus, number>> {
    const counts: Record<ExecutionStatus, number> = {
      queued: 0,
      running: 0,
      success: 0,
      failed: 0,
      cancelled: 0,
    };
    const { rows } = await this.pool.query<{ status: ExecutionStatus; n: number }>(
      "SELECT status, count(*)::int AS n FROM smelter.executions GROUP BY status",
    );
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }
}
