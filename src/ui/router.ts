import { readFileSync } from "node:fs";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type pg from "pg";
import { type AirflowConfig, type ApiToken, airflowConfig } from "../config.ts";
import type { ServiceLog } from "../log.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import { AuditStore } from "../state/audit.ts";
import type { ExecutionStore } from "../state/executions.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { actionPages } from "./actions.ts";
import { AirflowReader } from "./airflow.ts";
import { executionDetail, listPipelines, pipelineDetail, type UiData } from "./data.ts";
import type { Html } from "./html.ts";
import { executionPage } from "./pages/execution.ts";
import { errorPage, loginPage } from "./pages/login.ts";
import { pipelinePage } from "./pages/pipeline.ts";
import { pipelinesPage } from "./pages/pipelines.ts";
import {
  issueSession,
  matchToken,
  readCookie,
  SESSION_COOKIE,
  safeNext,
  sessionCookie,
  verifySession,
} from "./session.ts";

/** What the web pages need; the service's `AppDeps` has every required member. */
export interface UiDeps {
  tokens: readonly ApiToken[];
  pool: pg.Pool;
  store: ExecutionStore;
  catalog: PipelineCatalog;
  /** Queued executions before an action is refused; default 100. */
  maxQueue?: number;
  /** Tells this replica's worker that an action queued an execution. */
  worker?: { wake(): void };
  generate: (pipeline: LoadedPipeline) => { dagIds: string[] }[];
  publicUrl: string;
  /** Airflow to read DAG state from and link to; default from SMELTER_AIRFLOW_URL/_USER/_PASSWORD/_PUBLIC_URL. */
  airflow?: AirflowConfig | null;
  /** Environment connection references resolve against; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Budget of each call to the warehouse, landing zone or Airflow; default 1500 ms. */
  timeoutMs?: number;
  /** Where a page that fails is reported (the request's own log when the service set one); default stderr. */
  log?: ServiceLog;
}

const ASSETS: Record<string, { type: string; body: string }> = {
  "ui.css": { type: "text/css", body: readFileSync(new URL("./assets/ui.css", import.meta.url), "utf8") },
  "log.js": {
    type: "text/javascript",
    body: readFileSync(new URL("./assets/log.js", import.meta.url), "utf8"),
  },
};

/** Same-origin scripts and styles only; pages may be framed (Airflow can embed plugin views). */
const CSP = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

function send(res: Response, status: number, page: Html): void {
  res.status(status).type("html").set("Cache-Control", "no-store").send(page.value);
}

/** The designed 404 page of a signed-in user. */
function notFound(res: Response, title: string, detail: string): void {
  send(res, 404, errorPage({ status: 404, title, detail, signedIn: true }));
}

/** The web pages under /ui: sign-in, pipelines, one pipeline, one execution with its live log. */
export function uiRouter(deps: UiDeps): Router {
  const env = deps.env ?? process.env;
  const airflow = deps.airflow === undefined ? airflowConfig(env) : deps.airflow;
  const timeoutMs = deps.timeoutMs ?? 1500;
  const dagIdCache = new Map<string, string[]>();
  const audit = new AuditStore(deps.pool);
  const data: UiData = {
    store: deps.store,
    audit,
    catalog: deps.catalog,
    pool: deps.pool,
    env,
    timeoutMs,
    airflow: airflow ? new AirflowReader(airflow, timeoutMs) : null,
    dagIds: (p) => {
      let ids = dagIdCache.get(p.hash);
      if (!ids) {
        ids = deps.generate(p).flatMap((g) => g.dagIds);
        dagIdCache.set(p.hash, ids);
      }
      return ids;
    },
  };
  const secure = deps.publicUrl.startsWith("https:");
  const router = express.Router({ strict: false });
  const form = express.urlencoded({ extended: false, limit: "4kb" });

  router.use((_req, res, next) => {
    res.set({
      "Content-Security-Policy": CSP,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
    });
    next();
  });
  router.get("/assets/:name", (req, res, next) => {
    const asset = ASSETS[req.params.name ?? ""];
    if (!asset) return next();
    res.type(asset.type).set("Cache-Control", "public, max-age=300").send(asset.body);
  });

  const session = (req: Request): ApiToken | undefined =>
    verifySession(deps.tokens, readCookie(req.get("cookie"), SESSION_COOKIE));
  const canOperate = (req: Request): boolean => session(req)?.scopes.has("operate") ?? false;

  router.get("/login", (req, res) => {
    const next = safeNext(req.query.next);
    if (session(req)) return res.redirect(303, next);
    send(res, 200, loginPage({ next, signedOut: req.query.signed_out === "1" }));
  });
  router.post("/login", form, (req, res) => {
    const body = (req.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    const token = typeof body.token === "string" ? matchToken(deps.tokens, body.token.trim()) : undefined;
    if (!token || !token.scopes.has("read")) return send(res, 401, loginPage({ next, failed: true }));
    res.set("Set-Cookie", sessionCookie(issueSession(token), secure)).redirect(303, next);
  });
  router.post("/logout", (_req, res) => {
    res.set("Set-Cookie", sessionCookie(null, secure)).redirect(303, "/ui/login?signed_out=1");
  });

  // Everything below needs a session; a browser without one is sent to sign in and brought back.
  router.use((req, res, next) => {
    if (session(req)) return next();
    if (req.path.endsWith("/logs")) {
      res.status(401).json({ error: { type: "Unauthorized", message: "sign in again", retryable: false } });
      return;
    }
    res.redirect(303, `/ui/login?next=${encodeURIComponent(`/ui${req.url}`)}`);
  });

  router.get("/", async (_req, res) => {
    send(res, 200, pipelinesPage(await listPipelines(data), new Date()));
  });
  router.get("/pipelines/:name", async (req, res) => {
    const detail = await pipelineDetail(data, req.params.name!);
    if (!detail) {
      return notFound(
        res,
        `No pipeline named ${req.params.name}`,
        "The service knows no spec of that name: it may have been unregistered or renamed.",
      );
    }
    send(res, 200, pipelinePage(detail, new Date(), { operate: canOperate(req) }));
  });
  router.get("/executions/:id", async (req, res) => {
    const detail = await executionDetail(data, req.params.id!);
    if (!detail) {
      return notFound(
        res,
        `No execution ${req.params.id}`,
        "It never existed, or it finished long enough ago to be removed by retention (SMELTER_RETENTION_DAYS).",
      );
    }
    send(res, 200, executionPage(detail, new Date(), { operate: canOperate(req) }));
  });
  actionPages(router, {
    pool: deps.pool,
    store: deps.store,
    audit,
    catalog: deps.catalog,
    env,
    maxQueue: deps.maxQueue ?? 100,
    wake: () => deps.worker?.wake(),
    session: (req) => {
      const cookie = readCookie(req.get("cookie"), SESSION_COOKIE);
      const token = verifySession(deps.tokens, cookie);
      return token && cookie ? { token, cookie } : undefined;
    },
  });
  // The live log polls this with the session cookie; same body as GET /api/v1/executions/{id}/logs.
  router.get("/executions/:id/logs", async (req, res) => {
    const execution = await deps.store.get(req.params.id!);
    if (!execution) {
      res.status(404).json({
        error: { type: "NotFound", message: `execution ${req.params.id} does not exist`, retryable: false },
      });
      return;
    }
    const offset = Math.max(0, Number.parseInt(String(req.query.offset ?? "0"), 10) || 0);
    const limit = 500;
    const lines = await deps.store.readLogs(execution.id, offset, limit);
    const finished = execution.status !== "queued" && execution.status !== "running";
    res.set("Cache-Control", "no-store").json({
      lines,
      next_offset: lines.length > 0 ? lines.at(-1)!.seq + 1 : offset,
      complete: finished && lines.length < limit,
      status: execution.status,
    });
  });
  router.use((req, res) => {
    send(
      res,
      404,
      errorPage({
        status: 404,
        title: "Page not found",
        detail: `There is no page at /ui${req.path}.`,
        signedIn: true,
      }),
    );
  });
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const message = `GET /ui${req.path} failed: ${(error as Error).stack ?? String(error)}`;
    const log = (res.locals.log as ServiceLog | undefined) ?? deps.log;
    if (log) log.error(message);
    else console.error(message);
    send(
      res,
      500,
      errorPage({
        status: 500,
        title: "This page could not be built",
        detail: `${(error as Error).message || String(error)} — reloading may help if the state database was briefly unavailable.`,
        signedIn: true,
      }),
    );
  });
  return router;
}
