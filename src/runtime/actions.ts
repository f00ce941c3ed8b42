import type pg from "pg";
import type { BackfillRange, StepMetrics, TaskRequest } from "../contracts/step.ts";
import type { WatermarkState, WatermarkStore } from "../contracts/stores.ts";
import { BusyError, ConfigError, toErrorInfo } from "../errors.ts";
import { rangeColumns } from "../executors/extract/backfill.ts";
import { listManifestIds, openLandingZone } from "../landing/index.ts";
import { textScrubber } from "../secrets.ts";
import { silverTarget, tableOf } from "../spec/lookup.ts";
import { resolveLanding } from "../spec/resolve.ts";
import type { LoadedPipeline, PipelineSpec } from "../spec/types.ts";
import type { AuditEntry, AuditStore, AuditVia } from "../state/audit.ts";
import { type Execution, type ExecutionStore, type NewExecution, requestOf } from "../state/executions.ts";
import { describeAction, describeRerun } from "./describe.ts";
import { toWireMetrics } from "./execution-log.ts";
import { lockHolder, lockKey, lockKeys, tryLockAll, unlockAll } from "./locks.ts";

/**
 * Operator actions, done the same way whether they come from the HTTP API, the web pages or the command line:
 * checked against the spec, recorded in the audit trail (who, when, what, outcome), and never run beside a step
 * of the same table. Re-sync, backfill and silver rebuild run as executions under the locks of every step they
 * touch (queued in the service, where they wait for the locks like any execution; in the command line's process,
 * where a held lock refuses them); a watermark is set in place under the table's extract lock, refused while an
 * extract runs; a re-run queues a new execution of a failed one.
 */

/** What an operator can ask for. */
export type Action =
  | { kind: "resync"; table: string }
  | { kind: "backfill"; table: string; range: BackfillRange }
  | { kind: "rebuild_silver"; model: string }
  | { kind: "set_watermark"; table: string; watermark: unknown[] }
  | { kind: "reset_watermark"; table: string }
  | { kind: "rerun"; execution: string };

/** Who asked: the API token's name (or `cli:<user>`), and through what. */
export interface Actor {
  name: string;
  via: AuditVia;
}

/** What an action came to. `refused`: nothing was done (`reason` says why, the message how to go on). */
export type ActionOutcome =
  | { status: "accepted"; message: string; audit: AuditEntry; execution: Execution }
  | { status: "done"; message: string; audit: AuditEntry; previous: WatermarkState | null }
  | {
      status: "refused";
      reason: "busy" | "state" | "queue_full";
      message: string;
      audit: AuditEntry;
      execution?: Execution;
    };

/** The state an action needs: the state database and its stores. */
export interface ActionDeps {
  pool: pg.Pool;
  store: ExecutionStore;
  audit: AuditStore;
  watermarks: WatermarkStore;
  env: NodeJS.ProcessEnv;
  /** Queued executions before a new one is refused (the service's SMELTER_MAX_QUEUE). */
  maxQueue: number;
  /** Tells this replica's worker that an execution was queued. */
  wake?: () => void;
  /**
   * Values no audit detail may show (the process's known secrets: `serviceSecrets`, `environmentSecrets`); the
   * secrets the process reads through specs' references are added as they are read. Default: those alone.
   */
  secrets?: readonly string[];
}

/**
 * A range end or watermark as a person types it (command line option, form field): a JSON array for several
 * columns, else one value; null when not given. `option` names it in errors.
 */
export function parseValues(text: string | undefined, option: string): unknown[] | null {
  if (text === undefined || text.trim() === "") return null;
  if (!text.trimStart().startsWith("[")) return [text];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(
      `${option} ${text} is not a JSON array: give one value, or ["a", 1] for several columns`,
    );
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError(`${option} must be a value or a non-empty JSON array`);
  return value;
}

/** The table, model or execution an action names. */
export function targetOf(action: Action): string {
  return action.kind === "rebuild_silver"
    ? action.model
    : action.kind === "rerun"
      ? action.execution
      : action.table;
}

/** What the audit keeps of an action's parameters besides its target. */
function paramsOf(action: Action): Record<string, unknown> | undefined {
  if (action.kind === "backfill") return { ...action.range };
  if (action.kind === "set_watermark") return { watermark: action.watermark };
  return undefined;
}

/**
 * The execution request of a re-sync, backfill or silver rebuild (null for the other actions). Checks the action
 * against the spec: a ConfigError names what does not fit.
 */
export function actionRequest(spec: PipelineSpec, action: Action): TaskRequest | null {
  switch (action.kind) {
    case "resync":
      tableOf(spec, action.table);
      return {
        pipeline: spec.name,
        step: "extract",
        table: action.table,
        mode: { kind: "resync" },
        downstream: true,
      };
    case "backfill":
      rangeColumns({ table: tableOf(spec, action.table) }, action.range);
      return {
        pipeline: spec.name,
        step: "extract",
        table: action.table,
        mode: { kind: "backfill", range: action.range },
        downstream: true,
      };
    case "rebuild_silver":
      silverTarget(spec, action.model);
      return { pipeline: spec.name, step: "silver", table: action.model, mode: { kind: "rebuild" } };
    case "set_watermark": {
      const table = tableOf(spec, action.table);
      if (table.mode !== "incremental")
        throw new ConfigError(
          `table ${table.name} is read in ${table.mode} mode: it has no watermark to set`,
        );
      if (action.watermark.length !== table.cursor.length)
        throw new ConfigError(
          `table ${table.name}: the watermark needs ${table.cursor.length} value(s), one per cursor column (${table.cursor.join(", ")}); got ${action.watermark.length}`,
        );
      return null;
    }
    case "reset_watermark":
      tableOf(spec, action.table);
      return null;
    case "rerun":
      return null;
  }
}

/** Records an action that was refused before anything was done. */
function refuse(
  deps: ActionDeps,
  pipeline: string,
  action: Action,
  actor: Actor,
  reason: "busy" | "state" | "queue_full",
  message: string,
): Promise<ActionOutcome> {
  return deps.audit
    .record({ ...base(pipeline, action, actor), outcome: "refused", detail: message })
    .then((audit) => ({ status: "refused", reason, message, audit }));
}

function base(pipeline: string, action: Action, actor: Actor) {
  const params = paramsOf(action);
  return {
    actor: actor.name,
    via: actor.via,
    action: action.kind,
    pipeline,
    target: targetOf(action),
    ...(params ? { params } : {}),
  };
}

/** A suffix that makes an action's idempotency key new each time: an action asked twice runs twice. */
function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Queues the execution `submission` asks for on behalf of an action, and records the action as accepted with the
 * text `message` gives for the new execution's id; refused (and recorded) when the queue is full, in the words of
 * `full`, given how many are queued.
 */
async function queueAction(
  deps: ActionDeps,
  target: { pipeline: string; action: Action; actor: Actor },
  submission: NewExecution,
  full: (queued: number) => string,
  message: (executionId: string) => string,
): Promise<ActionOutcome> {
  const { pipeline, action, actor } = target;
  const submitted = await deps.store.submit(submission, deps.maxQueue);
  if (submitted.kind === "queue_full") {
    return refuse(deps, pipeline, action, actor, "queue_full", full(submitted.queued));
  }
  deps.wake?.();
  const execution = submitted.execution;
  const detail = message(execution.id);
  const audit = await deps.audit.record({
    ...base(pipeline, action, actor),
    outcome: "accepted",
    detail,
    execution_id: execution.id,
  });
  return { status: "accepted", message: detail, audit, execution };
}

/**
 * Does an action for the service (API and pages): queues the execution of a re-sync, backfill, rebuild or
 * re-run, or sets the watermark in place. A spec that does not fit throws a ConfigError before anything is
 * recorded; every other outcome is in the audit trail.
 */
export async function performAction(
  deps: ActionDeps,
  pipeline: LoadedPipeline,
  action: Action,
  actor: Actor,
): Promise<ActionOutcome> {
  const spec = pipeline.spec;
  if (action.kind === "rerun") return rerunExecution(deps, action.execution, actor, spec.name);
  const request = actionRequest(spec, action);
  if (!request) return setWatermark(deps, pipeline, action as WatermarkAction, actor);
  const current = "table" in action ? await deps.watermarks.read(spec.name, action.table) : undefined;
  const description = describeAction(spec, action, current === undefined ? {} : { watermark: current });
  const keys = lockKeys(spec, request);
  const holder = await lockHolder(deps.store, spec, keys);
  const waits = holder ? `; it waits for execution ${holder}, which works on the same table, to finish` : "";
  return queueAction(
    deps,
    { pipeline: spec.name, action, actor },
    { request, idempotencyKey: `action/${action.kind}/${targetOf(action)}/${uniqueSuffix()}`, airflow: null },
    (queued) => `the execution queue is full (${queued} queued); try again when some have run`,
    (id) => `queued as execution ${id}${waits}. ${description}`,
  );
}

type WatermarkAction = Extract<Action, { kind: "set_watermark" | "reset_watermark" }>;

/**
 * Sets or resets a table's watermark under the table's extract lock, as of the newest landed batch (so that no
 * earlier manifest is adopted over it); refused while an extract of the table runs.
 */
export async function setWatermark(
  deps: ActionDeps,
  pipeline: LoadedPipeline,
  action: WatermarkAction,
  actor: Actor,
): Promise<ActionOutcome> {
  const spec = pipeline.spec;
  actionRequest(spec, action);
  const key = lockKey(spec.name, "extract", action.table);
  const client = await deps.pool.connect();
  try {
    if (!(await tryLockAll(client, [key]))) {
      const holder = (await lockHolder(deps.store, spec, [key])) ?? "a run of the command line";
      return refuse(
        deps,
        spec.name,
        action,
        actor,
        "busy",
        `table ${action.table} is being extracted by ${holder}; the watermark was not changed. Try again once it has finished`,
      );
    }
    try {
      const zone = openLandingZone(resolveLanding(spec, spec.landing, deps.env));
      const newest = (await listManifestIds(zone, spec.name, action.table)).at(-1) ?? null;
      const watermark = action.kind === "set_watermark" ? action.watermark : null;
      const previous = await deps.watermarks.set(spec.name, action.table, newest, watermark);
      const was = JSON.stringify(previous?.watermark ?? null);
      const message =
        action.kind === "set_watermark"
          ? `watermark of ${action.table} set to ${JSON.stringify(watermark)} (was ${was})`
          : `watermark of ${action.table} reset (was ${was}): the next extract loads the whole table in chunks`;
      const audit = await deps.audit.record({
        ...base(spec.name, action, actor),
        outcome: "success",
        detail: message,
      });
      return { status: "done", message, audit, previous };
    } finally {
      await unlockAll(client, [key]);
    }
  } finally {
    client.release();
  }
}

/**
 * Queues a new execution of a failed or cancelled one's request (its mode and later steps included); the old
 * execution stays as it is. `pipeline`, when given, must be the execution's.
 */
export async function rerunExecution(
  deps: ActionDeps,
  id: string,
  actor: Actor,
  pipeline?: string,
): Promise<ActionOutcome> {
  const old = await deps.store.get(id);
  if (!old || (pipeline !== undefined && old.pipeline !== pipeline))
    throw new ConfigError(`${pipeline ? `pipeline ${pipeline} has` : "the service has"} no execution ${id}`);
  const action: Action = { kind: "rerun", execution: id };
  if (old.status !== "failed" && old.status !== "cancelled") {
    return refuse(
      deps,
      old.pipeline,
      action,
      actor,
      "state",
      `execution ${old.id} is ${old.status}: only a failed or cancelled execution is re-run`,
    );
  }
  return queueAction(
    deps,
    { pipeline: old.pipeline, action, actor },
    {
      request: requestOf(old),
      idempotencyKey: `rerun/${old.id}/${uniqueSuffix()}`,
      airflow: null,
      rerunOf: old.id,
    },
    () => "the execution queue is full; try again later",
    (id) => `queued as execution ${id}. ${describeRerun(old)}`,
  );
}

/**
 * What the audit keeps of an action that failed in this process: `Type: message`, scrubbed of the secrets the
 * process knows (`deps.secrets` and those read through the spec's references) as the worker scrubs an execution's
 * error, since a driver may quote one back (a password given as the user name).
 */
function failureDetail(deps: ActionDeps, info: { type: string; message: string }): string {
  return textScrubber(deps.secrets ?? [])(`${info.type}: ${info.message}`);
}

/**
 * Runs a re-sync, backfill or silver rebuild in this process (the command line), under the locks of every step
 * it touches: refused at once (recorded, then a BusyError) when one is held, by the service or another process.
 * `run` runs the request (the executors' `runTask`). The audit entry ends with the outcome.
 */
export async function runActionHere(
  deps: ActionDeps,
  pipeline: LoadedPipeline,
  action: Action,
  actor: Actor,
  run: (request: TaskRequest) => Promise<StepMetrics>,
): Promise<{ audit: AuditEntry; metrics: StepMetrics }> {
  const spec = pipeline.spec;
  const request = actionRequest(spec, action);
  if (!request) throw new ConfigError(`${action.kind} is not run as an execution`);
  const keys = lockKeys(spec, request);
  const client = await deps.pool.connect();
  try {
    if (!(await tryLockAll(client, keys))) {
      const holder = (await lockHolder(deps.store, spec, keys)) ?? "another process";
      const refused = await refuse(
        deps,
        spec.name,
        action,
        actor,
        "busy",
        `${targetOf(action)} is being worked on by ${holder}; nothing was done. Try again once it has finished`,
      );
      throw new BusyError(refused.message);
    }
    try {
      const audit = await deps.audit.record({
        ...base(spec.name, action, actor),
        outcome: "accepted",
        detail: `running in this process. ${describeAction(spec, action)}`,
      });
      try {
        const metrics = await run(request);
        // The datasets are for lineage consumers: the audit keeps the counts.
        const summary = `done: ${JSON.stringify(toWireMetrics(metrics), (k, v) => (k === "lineage" ? undefined : v))}`;
        await deps.audit.finish(audit.id, "success", summary);
        return { audit: { ...audit, outcome: "success", detail: summary }, metrics };
      } catch (error) {
        const info = toErrorInfo(error);
        await deps.audit.finish(
          audit.id,
          info.type === "Cancelled" ? "cancelled" : "failed",
          failureDetail(deps, info),
        );
        throw error;
      }
    } finally {
      await unlockAll(client, keys).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
