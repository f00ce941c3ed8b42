import type { Request, Response } from "express";
import { ConfigError } from "../errors.ts";
import { type Action, type ActionDeps, type ActionOutcome, performAction } from "../runtime/actions.ts";
import { missingTarget } from "../spec/lookup.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { tokenNameOf } from "./auth.ts";
import { HttpError, notFound } from "./errors.ts";
import { executionView } from "./executions.ts";
import type { RouteDef } from "./routes.ts";
import {
  actionResultSchema,
  auditListSchema,
  auditQuerySchema,
  backfillBodySchema,
  errorSchema,
  watermarkBodySchema,
} from "./schemas.ts";
import { validator } from "./validate.ts";

export interface ActionRouteDeps extends ActionDeps {
  catalog: PipelineCatalog;
  publicUrl: string;
}

const err = (description: string) => ({ description, schema: errorSchema });

/** Seconds a client is asked to wait before trying a refused action again. */
const RETRY_AFTER_SECONDS = 30;

/**
 * The recovery actions over HTTP, each behind the `operate` scope and recorded in the audit trail with the
 * token's name (src/runtime/actions.ts does them, as for the pages and the command line), and the audit trail.
 */
export function actionRoutes(deps: ActionRouteDeps): RouteDef[] {
  const checkBackfill = validator(backfillBodySchema);
  const checkWatermark = validator(watermarkBodySchema);
  const checkAudit = validator(auditQuerySchema, "query");

  const pipelineOf = async (name: string): Promise<LoadedPipeline> => {
    const pipeline = await deps.catalog.get(name);
    if (!pipeline) throw notFound(`pipeline ${name}`);
    return pipeline;
  };
  const tableIn = (pipeline: LoadedPipeline, step: "extract" | "silver", name: string): string => {
    const missing = missingTarget(pipeline.spec, { step, table: name });
    if (missing) throw new HttpError(404, "NotFound", missing.message);
    return name;
  };

  /** Does the action and answers: 202 queued, 200 done, 409/429 refused (recorded all the same). */
  const act = async (res: Response, pipeline: LoadedPipeline, action: Action): Promise<void> => {
    let outcome: ActionOutcome;
    try {
      outcome = await performAction(deps, pipeline, action, {
        name: tokenNameOf(res) ?? "unknown",
        via: "api",
      });
    } catch (error) {
      if (error instanceof ConfigError) throw new HttpError(400, "ConfigError", error.message);
      throw error;
    }
    if (outcome.status === "refused") {
      const busy = outcome.reason !== "state";
      throw new HttpError(
        outcome.reason === "queue_full" ? 429 : 409,
        outcome.reason === "busy" ? "Busy" : outcome.reason === "queue_full" ? "QueueFull" : "Conflict",
        outcome.message,
        busy ? { retryable: true, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } } : {},
      );
    }
    res.status(outcome.status === "accepted" ? 202 : 200).json({
      action: outcome.audit,
      message: outcome.message,
      ...(outcome.status === "accepted"
        ? { execution: executionView(outcome.execution, deps.publicUrl) }
        : {}),
      ...(outcome.status === "done" ? { previous: outcome.previous } : {}),
    });
  };

  const refusals = {
    400: err(
      "the action does not fit the spec (a range or watermark of the wrong width, a full table's watermark)",
    ),
    404: err("unknown pipeline, table, model or execution"),
    409: err("refused: the table is being worked on (Busy, see Retry-After) or the execution is not failed"),
    429: err("the execution queue is full"),
  };
  const queued = {
    description: "queued as an execution; message says exactly what it does",
    schema: actionResultSchema,
  };
  const table = (req: Request) => String(req.params.table);

  return [
    {
      method: "post",
      path: "/api/v1/pipelines/:name/tables/:table/resync",
      summary:
        "Re-sync a table: reload it from the source in chunks with its key set, so bronze converges (deletes included) and silver follows through the change feed",
      scope: "operate",
      responses: { 202: queued, ...refusals },
      handler: async (req, res) => {
        const pipeline = await pipelineOf(String(req.params.name));
        await act(res, pipeline, { kind: "resync", table: tableIn(pipeline, "extract", table(req)) });
      },
    },
    {
      method: "post",
      path: "/api/v1/pipelines/:name/tables/:table/backfill",
      summary:
        "Backfill a cursor (or key) range [from, to) of a table through bronze and silver, without moving the watermark",
      scope: "operate",
      body: { schema: backfillBodySchema },
      responses: { 202: queued, ...refusals },
      handler: async (req, res) => {
        const pipeline = await pipelineOf(String(req.params.name));
        const { by = "cursor", from = null, to = null } = checkBackfill(req.body ?? {});
        await act(res, pipeline, {
          kind: "backfill",
          table: tableIn(pipeline, "extract", table(req)),
          range: { by, from, to },
        });
      },
    },
    {
      method: "put",
      path: "/api/v1/pipelines/:name/tables/:table/watermark",
      summary:
        "Set a table's watermark (an array, one value per cursor column) or reset it (null: the next extract reloads the table in chunks)",
      scope: "operate",
      body: { schema: watermarkBodySchema },
      responses: {
        200: { description: "set; previous is the state it replaced", schema: actionResultSchema },
        ...refusals,
      },
      handler: async (req, res) => {
        const pipeline = await pipelineOf(String(req.params.name));
        const { watermark } = checkWatermark(req.body);
        const name = tableIn(pipeline, "extract", table(req));
        await act(
          res,
          pipeline,
          watermark === null
            ? { kind: "reset_watermark", table: name }
            : { kind: "set_watermark", table: name, watermark },
        );
      },
    },
    {
      method: "post",
      path: "/api/v1/pipelines/:name/models/:model/rebuild",
      summary: "Rebuild a silver model from bronze's current rows, in one transaction",
      scope: "operate",
      responses: { 202: queued, ...refusals },
      handler: async (req, res) => {
        const pipeline = await pipelineOf(String(req.params.name));
        await act(res, pipeline, {
          kind: "rebuild_silver",
          model: tableIn(pipeline, "silver", String(req.params.model)),
        });
      },
    },
    {
      method: "post",
      path: "/api/v1/executions/:id/rerun",
      summary: "Re-run a failed or cancelled execution as a new execution; the old one is kept",
      scope: "operate",
      responses: { 202: queued, ...refusals },
      handler: async (req, res) => {
        const id = String(req.params.id);
        const old = await deps.store.get(id);
        if (!old) throw notFound(`execution ${id}`);
        await act(res, await pipelineOf(old.pipeline), { kind: "rerun", execution: id });
      },
    },
    {
      method: "get",
      path: "/api/v1/audit",
      summary: "The audit trail of operator actions, newest first: which token, when, what, outcome",
      scope: "read",
      query: auditQuerySchema,
      responses: {
        200: { description: "audit entries", schema: auditListSchema },
        400: err("invalid query"),
      },
      handler: async (req, res) => {
        const q = checkAudit({ ...req.query });
        res.json({ entries: await deps.audit.list(q) });
      },
    },
  ];
}
