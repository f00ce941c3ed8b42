import { randomUUID } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import type pg from "pg";
import type { GeneratedDag, PipelineDags } from "../airflow/pipelines.ts";
import type { AirflowConfig, ApiToken } from "../config.ts";
import type { ServiceLog } from "../log.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import { AuditStore } from "../state/audit.ts";
import type { ExecutionStore } from "../state/executions.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { PgWatermarkStore } from "../state/watermarks.ts";
import { uiRouter } from "../ui/router.ts";
import { VERSION } from "../version.ts";
import { actionRoutes } from "./actions.ts";
import { authenticate, tokenNameOf } from "./auth.ts";
import { errorHandler } from "./errors.ts";
import { executionRoutes } from "./executions.ts";
import { FreshnessReader } from "./freshness.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { OPENAPI_PATH, openApiDocument } from "./openapi.ts";
import { pipelineRoutes } from "./pipelines.ts";
import type { RouteDef } from "./routes.ts";

/** Limits of request bodies: task hook JSON is tiny; a YAML spec with hundreds of tables is not. */
export const JSON_LIMIT = "64kb";
export const YAML_LIMIT = "2mb";

export interface AppDeps {
  tokens: readonly ApiToken[];
  pool: pg.Pool;
  store: ExecutionStore;
  catalog: PipelineCatalog;
  metrics: ServiceMetrics;
  maxQueue: number;
  publicUrl: string;
  /**
   * Executions running on this replica, a way to tell its worker that work was queued, and whether it is
   * draining (shutting down).
   */
  worker: { readonly active: number; readonly draining: boolean; wake(): void };
  /** Airflow the web pages read DAG state from and link to; null when not configured. */
  airflow?: AirflowConfig | null;
  generate: (pipeline: LoadedPipeline) => GeneratedDag[];
  dags?: PipelineDags;
  /** Extra routers (e.g. the web pages under /ui), mounted with their own authentication. */
  routers?: { path: string; router: Router }[];
  /** The service log: one access line per request, and failures; each line carries the request's id. */
  log: ServiceLog;
  /** Environment the pipelines' connection references resolve against (actions, pages); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Freshness of the pipelines' tables and models for the metrics; default a reader of the catalog's warehouses. */
  freshness?: FreshnessReader;
}

/** The service's routes, in one list: what is served is what the OpenAPI document says. */
export function serviceRoutes(deps: AppDeps): RouteDef[] {
  const health: RouteDef[] = [
    {
      method: "get",
      path: "/healthz",
      summary: "Liveness: the process answers",
      scope: null,
      responses: {
        200: { description: "alive", schema: { type: "object", properties: { status: { const: "ok" } } } },
      },
      handler: (_req, res) => res.json({ status: "ok" }),
    },
    {
      method: "get",
      path: "/readyz",
      summary: "Readiness: the state database answers",
      scope: null,
      responses: {
        200: { description: "ready", schema: { type: "object" } },
        503: { description: "state database unreachable, or shutting down", schema: { type: "object" } },
      },
      handler: async (_req, res) => {
        if (deps.worker.draining) {
          res.status(503).json({ status: "draining", reason: "shutting down: finishing running executions" });
          return;
        }
        try {
          await deps.pool.query("SELECT 1 FROM smelter.schema_migrations LIMIT 1");
          res.json({ status: "ready" });
        } catch (error) {
          res
            .status(503)
            .json({ status: "unavailable", reason: `state database: ${(error as Error).message}` });
        }
      },
    },
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics: executions, rows, bytes, durations, HTTP latency, freshness, process",
      scope: "read",
      responses: { 200: { description: "text exposition format", contentType: "text/plain; version=0.0.4" } },
      handler: async (_req, res) => {
        res.type(deps.metrics.contentType).send(await deps.metrics.render());
      },
    },
  ];
  const audit = new AuditStore(deps.pool);
  const api = [
    ...executionRoutes({
      store: deps.store,
      audit,
      catalog: deps.catalog,
      maxQueue: deps.maxQueue,
      publicUrl: deps.publicUrl,
      wake: () => deps.worker.wake(),
      draining: () => deps.worker.draining,
    }),
    ...pipelineRoutes({ catalog: deps.catalog, dags: deps.dags, generate: deps.generate }),
    ...actionRoutes({
      pool: deps.pool,
      store: deps.store,
      audit,
      watermarks: new PgWatermarkStore(deps.pool),
      env: deps.env ?? process.env,
      maxQueue: deps.maxQueue,
      wake: () => deps.worker.wake(),
      catalog: deps.catalog,
      publicUrl: deps.publicUrl,
    }),
  ];
  const openapi: RouteDef = {
    method: "get",
    path: OPENAPI_PATH,
    summary: "This OpenAPI document",
    scope: "read",
    responses: { 200: { description: "OpenAPI 3.1 document", schema: { type: "object" } } },
    handler: (_req, res) => res.json(document),
  };
  const routes = [...health, ...api, openapi];
  const document = openApiDocument(routes, VERSION);
  return routes;
}

/**
 * The route pattern that answered a request (`/api/v1/executions/:id`, `/ui/pipelines/:name`), never its path:
 * a metric label per execution id would grow without end.
 */
function routeOf(req: Request): string {
  const path = req.route?.path;
  return typeof path === "string" ? `${req.baseUrl}${path}` : "unmatched";
}

/** Routes whose successful requests the access log writes at debug level. */
const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/** What a client may send as `X-Request-Id`: anything else is replaced by a new id. */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The log of one request (its lines carry `request_id`), set by the access log of `createApp`. */
const requestLog = (res: Response, fallback: ServiceLog): ServiceLog =>
  (res.locals.log as ServiceLog | undefined) ?? fallback;

/** Builds the express app of the service. Nothing listens until the caller does. */
export function createApp(deps: AppDeps): express.Express {
  const say = (m: string) => deps.log.info(m);
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  const guard = authenticate(deps.tokens);
  const json = express.json({ limit: JSON_LIMIT, strict: false });
  const yaml = express.text({ limit: YAML_LIMIT, type: () => true });

  const freshness =
    deps.freshness ?? new FreshnessReader({ catalog: deps.catalog, env: deps.env ?? process.env, say });
  deps.metrics.readFrom({
    executionsByStatus: () => deps.store.countByStatus(),
    active: () => deps.worker.active,
    freshness: () => freshness.read(),
  });
  app.use((req: Request, res: Response, next) => {
    const started = process.hrtime.bigint();
    const given = req.get("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set("X-Request-Id", requestId);
    const log = deps.log.child({ request_id: requestId });
    res.locals.log = log;
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      deps.metrics.request(req.method, route, res.statusCode, seconds);
      // The path without its query string: what a client put there is not the log's business.
      const path = req.originalUrl.split("?")[0];
      const token = tokenNameOf(res);
      // Probes and scrapes come every few seconds: when they succeed they are debug lines, not the log's bulk.
      const level = QUIET_ROUTES.has(route) && res.statusCode < 400 ? "debug" : "info";
      log[level](
        {
          method: req.method,
          route,
          path,
          status: res.statusCode,
          duration_ms: Math.round(seconds * 10_000) / 10,
          ...(token ? { token_name: token } : {}),
        },
        `${req.method} ${path} ${res.statusCode}`,
      );
    });
    next();
  });
  for (const route of serviceRoutes(deps)) {
    // Authentication comes before the body is read, so an anonymous client cannot make the service parse 2 MB.
    const chain = [
      ...(route.scope !== null ? [guard(route.scope)] : []),
      ...(route.body ? ["text" in route.body ? yaml : json] : []),
      async (req: Request, res: Response) => route.handler(req, res),
    ];
    app[route.method](route.path, ...chain);
  }
  // The pages take Airflow's settings from the service's config, never from the environment on their own.
  app.use("/ui", uiRouter({ ...deps, airflow: deps.airflow ?? null }));
  for (const { path, router } of deps.routers ?? []) app.use(path, router);
  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json({ error: { type: "NotFound", message: `no route ${req.method} ${req.path}`, retryable: false } });
  });
  app.use(errorHandler((res, message) => requestLog(res, deps.log).error(message)));
  return app;
}
