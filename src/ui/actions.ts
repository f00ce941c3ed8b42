import express, { type Request, type Response, type Router } from "express";
import type pg from "pg";
import type { ApiToken } from "../config.ts";
import { ConfigError } from "../errors.ts";
import {
  type Action,
  type ActionDeps,
  type ActionOutcome,
  parseValues,
  performAction,
  rerunExecution,
} from "../runtime/actions.ts";
import { describeAction, describeRerun } from "../runtime/describe.ts";
import { missingTarget, tableOf } from "../spec/lookup.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { AuditStore } from "../state/audit.ts";
import type { ExecutionStore } from "../state/executions.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { PgWatermarkStore } from "../state/watermarks.ts";
import type { Html } from "./html.ts";
import { type ActionPlace, actionFormPage, actionResultPage, confirmPage } from "./pages/actions.ts";
import { errorPage } from "./pages/login.ts";
import { csrfToken } from "./session.ts";

/** What the action pages need besides the signed-in token. */
export interface UiActionDeps {
  pool: pg.Pool;
  store: ExecutionStore;
  audit: AuditStore;
  catalog: PipelineCatalog;
  env: NodeJS.ProcessEnv;
  maxQueue: number;
  wake: () => void;
  /** The token of the request's session and its cookie (null when signed out, which earlier middleware prevents). */
  session: (req: Request) => { token: ApiToken; cookie: string } | undefined;
}

/** The actions the pipeline page offers, by the path segment of their pages. */
const KINDS = ["resync", "backfill", "watermark", "rebuild_silver"] as const;
type PageKind = (typeof KINDS)[number];

type Params = Record<string, string | undefined>;

function send(res: Response, status: number, page: Html): void {
  res.status(status).type("html").set("Cache-Control", "no-store").send(page.value);
}

function fail(res: Response, status: number, title: string, detail: string): void {
  send(res, status, errorPage({ status, title, detail, signedIn: true }));
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The parameters of an action page (query of the GET, form of the POST), as strings. */
function paramsOf(source: unknown): Params {
  const s = (source ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    ["table", "model", "by", "from", "to", "watermark", "reset", "csrf"].map((k) => [k, str(s[k])]),
  );
}

/** The action a page's parameters describe; "form" when a backfill or watermark still lacks its values. */
function actionOf(kind: PageKind, p: Params): Action | "form" {
  const table = p.table ?? "";
  switch (kind) {
    case "resync":
      return { kind: "resync", table };
    case "rebuild_silver":
      return { kind: "rebuild_silver", model: p.model ?? "" };
    case "backfill": {
      if (p.by === undefined) return "form";
      if (p.by !== "cursor" && p.by !== "key")
        throw new ConfigError(`range of ${p.by}: expected cursor or key`);
      return {
        kind: "backfill",
        table,
        range: { by: p.by, from: parseValues(p.from, "from"), to: parseValues(p.to, "to") },
      };
    }
    case "watermark": {
      if (p.reset === "1") return { kind: "reset_watermark", table };
      const watermark = parseValues(p.watermark, "watermark");
      return watermark ? { kind: "set_watermark", table, watermark } : "form";
    }
  }
}

/** The fields the confirmation posts back: the parameters that made the action. */
function fieldsOf(p: Params): Record<string, string> {
  const { csrf: _csrf, ...rest } = p;
  return Object.fromEntries(Object.entries(rest).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The recovery actions on the web pages: each button leads to a confirmation that says exactly what will happen
 * (`describeAction`); confirming POSTs it (with a token tied to the session against cross-site posts), and the
 * outcome page links the execution. The session's token needs the `operate` scope and is what the audit records.
 */
export function actionPages(router: Router, deps: UiActionDeps): void {
  const form = express.urlencoded({ extended: false, limit: "4kb" });
  const actionDeps: ActionDeps = {
    pool: deps.pool,
    store: deps.store,
    audit: deps.audit,
    watermarks: new PgWatermarkStore(deps.pool),
    env: deps.env,
    maxQueue: deps.maxQueue,
    wake: deps.wake,
  };

  /** The session when its token may operate; otherwise answers 403 and returns undefined. */
  const operator = (req: Request, res: Response) => {
    const s = deps.session(req);
    if (s?.token.scopes.has("operate")) return s;
    fail(
      res,
      403,
      "Your token cannot run recovery actions",
      `Token ${s?.token.name ?? "(none)"} lacks the operate scope. Sign in with a token that has it (SMELTER_API_TOKENS name:token:operate+read).`,
    );
    return undefined;
  };

  const pipelineOf = async (res: Response, name: string): Promise<LoadedPipeline | undefined> => {
    const pipeline = await deps.catalog.get(name);
    if (!pipeline)
      fail(res, 404, `No pipeline named ${name}`, "The service knows no valid spec of that name.");
    return pipeline;
  };

  const outcomePage = (res: Response, place: ActionPlace, kind: string, outcome: ActionOutcome) => {
    const status = outcome.status === "accepted" ? 202 : outcome.status === "done" ? 200 : 409;
    send(
      res,
      status,
      actionResultPage(place, {
        kind,
        status: outcome.status,
        message: outcome.message,
        ...(outcome.status === "accepted" ? { executionId: outcome.execution.id } : {}),
      }),
    );
  };

  const page = async (req: Request, res: Response, post: boolean) => {
    const kind = req.params.kind as PageKind;
    if (!KINDS.includes(kind)) return fail(res, 404, "No such action", `There is no action ${kind}.`);
    const session = operator(req, res);
    if (!session) return;
    const pipeline = await pipelineOf(res, String(req.params.name));
    if (!pipeline) return;
    const spec = pipeline.spec;
    const p = paramsOf(post ? req.body : req.query);
    const target = kind === "rebuild_silver" ? (p.model ?? "") : (p.table ?? "");
    const missing = missingTarget(spec, {
      step: kind === "rebuild_silver" ? "silver" : "extract",
      table: target,
    });
    if (missing) return fail(res, 404, "Nothing to act on", missing.message);
    const place = { pipeline: spec.name, target };
    const watermarks = new PgWatermarkStore(deps.pool);
    const current = kind === "rebuild_silver" ? null : await watermarks.read(spec.name, target);
    const formPage = (error?: string) => {
      const t = tableOf(spec, target);
      const shown = current?.watermark ? JSON.stringify(current.watermark) : "none";
      return actionFormPage(place, kind as "backfill" | "watermark", {
        cursor: t.cursor,
        key: t.primaryKey,
        current: shown,
        ...(error ? { error } : {}),
      });
    };
    let action: Action | "form";
    try {
      action = actionOf(kind, p);
      if (action !== "form") describeAction(spec, action);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (kind === "backfill" || kind === "watermark") return send(res, 400, formPage(error.message));
      return fail(res, 400, "That action does not fit the spec", error.message);
    }
    if (action === "form") return send(res, 200, formPage());
    if (!post) {
      const description = describeAction(spec, action, { watermark: current });
      return send(
        res,
        200,
        confirmPage(place, {
          kind: action.kind,
          description,
          action: `/ui/pipelines/${encodeURIComponent(spec.name)}/actions/${kind}`,
          fields: fieldsOf(p),
          csrf: csrfToken(session.cookie),
          back: `/ui/pipelines/${encodeURIComponent(spec.name)}`,
        }),
      );
    }
    if (p.csrf !== csrfToken(session.cookie))
      return fail(res, 403, "This form has expired", "Open the action again from the pipeline page.");
    try {
      const outcome = await performAction(actionDeps, pipeline, action, {
        name: session.token.name,
        via: "ui",
      });
      outcomePage(res, place, action.kind, outcome);
    } catch (error) {
      if (error instanceof ConfigError)
        return fail(res, 400, "That action does not fit the spec", error.message);
      throw error;
    }
  };
  router.get("/pipelines/:name/actions/:kind", (req, res) => page(req, res, false));
  router.post("/pipelines/:name/actions/:kind", form, (req, res) => page(req, res, true));

  const rerun = async (req: Request, res: Response, post: boolean) => {
    const session = operator(req, res);
    if (!session) return;
    const id = String(req.params.id);
    const old = await deps.store.get(id);
    if (!old) return fail(res, 404, `No execution ${id}`, "It never existed, or retention removed it.");
    const place = { pipeline: old.pipeline, target: id };
    if (!post) {
      return send(
        res,
        200,
        confirmPage(place, {
          kind: "rerun",
          description: describeRerun(old),
          action: `/ui/executions/${id}/rerun`,
          fields: {},
          csrf: csrfToken(session.cookie),
          back: `/ui/executions/${id}`,
        }),
      );
    }
    if (paramsOf(req.body).csrf !== csrfToken(session.cookie))
      return fail(res, 403, "This form has expired", "Open the execution again and re-run it from there.");
    const outcome = await rerunExecution(actionDeps, id, { name: session.token.name, via: "ui" });
    outcomePage(res, place, "rerun", outcome);
  };
  router.get("/executions/:id/rerun", (req, res) => rerun(req, res, false));
  router.post("/executions/:id/rerun", form, (req, res) => rerun(req, res, true));
}
