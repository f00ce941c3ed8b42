import type { Request, Response } from "express";
import type { TaskRequest } from "../contracts/step.ts";
import { SmelterError } from "../errors.ts";
import { actionRequest } from "../runtime/actions.ts";
import { missingTarget } from "../spec/lookup.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { AuditStore } from "../state/audit.ts";
import type { Execution, ExecutionStatus, ExecutionStore } from "../state/executions.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { tokenNameOf } from "./auth.ts";
import { HttpError, notFound } from "./errors.ts";
import type { RouteDef } from "./routes.ts";
import {
  type ExecutionBody,
  errorSchema,
  executionListSchema,
  executionSchema,
  getExecutionQuerySchema,
  listExecutionsQuerySchema,
  logsQuerySchema,
  logsSchema,
  submitExecutionSchema,
} from "./schemas.ts";
import { validator } from "./validate.ts";

export interface ExecutionRouteDeps {
  store: ExecutionStore;
  /** Where a backfill asked for by an Airflow DAG run is recorded. */
  audit: AuditStore;
  catalog: PipelineCatalog;
  maxQueue: number;
  publicUrl: string;
  /** Tells the local worker that work was queued. */
  wake: () => void;
  /** True while this replica shuts down: submits get 503 + Retry-After, reads keep working. */
  draining: () => boolean;
}

const FINISHED: ReadonlySet<ExecutionStatus> = new Set(["success", "failed", "cancelled"]);
/** Seconds a client is asked to wait when the queue is full: roughly the time a short step takes. */
const RETRY_AFTER_SECONDS = 5;

const err = (description: string) => ({ description, schema: errorSchema });

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** An execution as the API returns it: progress in snake_case like the metrics, and the link to its page. */
export function executionView(e: Execution, publicUrl: string): ExecutionBody {
  const progress = e.progress
    ? Object.fromEntries(Object.entries(e.progress).map(([k, v]) => [snake(k), v]))
    : null;
  return { ...e, progress, links: { ui: `${publicUrl}/ui/executions/${e.id}` } };
}

/** Task hook routes: submit, status, logs, cancel (CONTRACTS.md section 2), plus a listing for people. */
export function executionRoutes(deps: ExecutionRouteDeps): RouteDef[] {
  const checkSubmit = validator(submitExecutionSchema);
  const checkGet = validator(getExecutionQuerySchema, "query");
  const checkLogs = validator(logsQuerySchema, "query");
  const checkList = validator(listExecutionsQuerySchema, "query");
  const view = (e: Execution): ExecutionBody => executionView(e, deps.publicUrl);
  const load = async (id: string): Promise<Execution> => {
    const execution = await deps.store.get(id);
    if (!execution) throw notFound(`execution ${id}`);
    return execution;
  };

  const submit = async (req: Request, res: Response) => {
    if (deps.draining()) {
      throw new HttpError(
        503,
        "ShuttingDown",
        "this service replica is shutting down and takes no new executions; retry (another replica, or this one once restarted)",
        { retryable: true, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } },
      );
    }
    const body = checkSubmit(req.body);
    const request = (
      body.table !== undefined
        ? { pipeline: body.pipeline, step: body.step, table: body.table }
        : { pipeline: body.pipeline, step: body.step, source: body.source! }
    ) as TaskRequest;
    if (body.chain) {
      if (body.table === undefined)
        throw new HttpError(400, "ValidationError", "chain is for a table, not a source", {
          field: "/chain",
        });
      if (body.step === "silver")
        throw new HttpError(
          400,
          "ValidationError",
          "chain starts at extract or bronze: silver has no later step",
          {
            field: "/chain",
          },
        );
      request.chain = true;
    }
    if (body.backfill) {
      if (body.step !== "extract" || body.table === undefined)
        throw new HttpError(400, "ValidationError", "backfill is for the extract step of one table", {
          field: "/backfill",
        });
      const { by = "cursor", from = null, to = null } = body.backfill;
      request.mode = { kind: "backfill", range: { by, from, to } };
    }
    const pipeline = await checkTarget(deps.catalog, request);
    if (request.mode?.kind === "backfill") {
      try {
        actionRequest(pipeline.spec, { kind: "backfill", table: body.table!, range: request.mode.range });
      } catch (error) {
        if (error instanceof SmelterError)
          throw new HttpError(400, error.type, error.message, { field: "/backfill" });
        throw error;
      }
    }
    // The body may leave logical_date out; the stored context always has it (null: a run without one).
    const airflow = body.airflow
      ? { ...body.airflow, logical_date: body.airflow.logical_date ?? null }
      : null;
    const result = await deps.store.submit(
      { request, idempotencyKey: body.idempotency_key, airflow },
      deps.maxQueue,
    );
    switch (result.kind) {
      case "created":
        deps.wake();
        if (request.mode?.kind === "backfill")
          await deps.audit.record({
            actor: tokenNameOf(res) ?? "unknown",
            via: "api",
            action: "backfill",
            pipeline: request.pipeline,
            target: request.table ?? null,
            params: {
              ...request.mode.range,
              ...(airflow ? { dag_id: airflow.dag_id, run_id: airflow.run_id } : {}),
            },
            outcome: "accepted",
            detail: `queued as execution ${result.execution.id}${airflow ? ` by task ${airflow.task_id} of ${airflow.dag_id} run ${airflow.run_id}` : ""}`,
            execution_id: result.execution.id,
          });
        res.status(202).json(view(result.execution));
        return;
      case "existing":
        res.status(200).json(view(result.execution));
        return;
      case "conflict":
        throw new HttpError(
          409,
          "IdempotencyConflict",
          `idempotency key ${body.idempotency_key} was used by execution ${result.execution.id} for a different request`,
          { field: "/idempotency_key" },
        );
      case "queue_full":
        throw new HttpError(
          429,
          "QueueFull",
          `the execution queue is full (${result.queued} queued, limit ${deps.maxQueue}); retry later`,
          { retryable: true, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } },
        );
    }
  };

  return [
    {
      method: "post",
      path: "/api/v1/executions",
      summary:
        "Submit a task request; the same idempotency key returns the same execution and starts nothing",
      scope: "execute",
      body: { schema: submitExecutionSchema },
      responses: {
        200: { description: "execution already recorded under this key", schema: executionSchema },
        202: { description: "execution queued", schema: executionSchema },
        400: err("invalid body (field names the offending part)"),
        404: err("unknown pipeline, table, model or source"),
        409: err("idempotency key reused for a different request"),
        429: err("queue full; see Retry-After"),
        503: err("this replica is shutting down; see Retry-After"),
      },
      handler: submit,
    },
    {
      method: "get",
      path: "/api/v1/executions",
      summary: "Recent executions, newest first",
      scope: "read",
      query: listExecutionsQuerySchema,
      responses: {
        200: { description: "executions", schema: executionListSchema },
        400: err("invalid query"),
      },
      handler: async (req, res) => {
        const q = checkList({ ...req.query });
        res.json({ executions: (await deps.store.list(q)).map(view) });
      },
    },
    {
      method: "get",
      path: "/api/v1/executions/:id",
      summary:
        "Status of an execution, with metrics or error; with ?wait= answers once the status differs from ?status= (long poll)",
      scope: "read",
      query: getExecutionQuerySchema,
      responses: {
        200: { description: "the execution", schema: executionSchema },
        400: err("invalid query"),
        404: err("unknown execution"),
      },
      handler: async (req, res) => {
        const { wait, status } = checkGet({ ...req.query });
        const id = String(req.params.id);
        // A draining replica answers at once, so that its server can close without holding long polls.
        if (wait === 0 || deps.draining()) {
          res.json(view(await load(id)));
          return;
        }
        // A finished execution never changes again, and one that already differs from what the client knows
        // is news: both are answered at once instead of holding the read for the whole wait.
        const current = await load(id);
        if (FINISHED.has(current.status) || (status !== undefined && status !== current.status)) {
          res.json(view(current));
          return;
        }
        const gone = new AbortController();
        res.on("close", () => gone.abort());
        const execution = await deps.store.waitForChange(id, current.status, wait * 1000, gone.signal);
        if (!execution) throw notFound(`execution ${id}`);
        if (!gone.signal.aborted) res.json(view(execution));
      },
    },
    {
      method: "get",
      path: "/api/v1/executions/:id/logs",
      summary: "Log lines from an offset; complete once the execution finished and every line was returned",
      scope: "read",
      query: logsQuerySchema,
      responses: { 200: { description: "log lines", schema: logsSchema }, 404: err("unknown execution") },
      handler: async (req, res) => {
        const { offset, limit } = checkLogs({ ...req.query });
        // Status first: lines are flushed before the status turns final, so a final status read before the lines
        // guarantees no line is missed.
        const execution = await load(String(req.params.id));
        const lines = await deps.store.readLogs(execution.id, offset, limit);
        const nextOffset = lines.length > 0 ? lines[lines.length - 1]!.seq + 1 : offset;
        res.json({
          lines,
          next_offset: nextOffset,
          complete: FINISHED.has(execution.status) && lines.length < limit,
        });
      },
    },
    {
      method: "post",
      path: "/api/v1/executions/:id/cancel",
      summary: "Cancel an execution; a finished one is left as it is",
      scope: "execute",
      responses: {
        200: { description: "already finished: nothing changed", schema: executionSchema },
        202: { description: "cancel recorded", schema: executionSchema },
        404: err("unknown execution"),
      },
      handler: async (req, res) => {
        const before = await load(String(req.params.id));
        if (FINISHED.has(before.status)) {
          res.status(200).json(view(before));
          return;
        }
        const after = (await deps.store.cancel(before.id)) ?? before;
        res.status(202).json(view(after));
      },
    },
  ];
}

/** 404 naming what the spec does not have: the pipeline, its table, silver model or source connection. */
async function checkTarget(catalog: PipelineCatalog, request: TaskRequest): Promise<LoadedPipeline> {
  const pipeline = await catalog.get(request.pipeline);
  if (!pipeline)
    throw new HttpError(404, "NotFound", `pipeline ${request.pipeline} is not known`, { field: "/pipeline" });
  const missing = missingTarget(pipeline.spec, request);
  if (missing) throw new HttpError(404, "NotFound", missing.message, { field: missing.field });
  return pipeline;
}
