import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import YAML from "yaml";
import type { GeneratedDag } from "../../../src/airflow/pipelines.ts";
import { parseTokens, type RegisteredSpecRules } from "../../../src/config.ts";
import type { Executor } from "../../../src/contracts/step.ts";
import { ConfigError } from "../../../src/errors.ts";
import { type ExecutorRegistry, runTaskWith } from "../../../src/executors/runner.ts";
import { createApp } from "../../../src/http/app.ts";
import { ServiceMetrics } from "../../../src/http/metrics.ts";
import { drainAndStop } from "../../../src/http/shutdown.ts";
import { type ServiceLog, serviceLog } from "../../../src/log.ts";
import { ExecutionWorker } from "../../../src/runtime/worker.ts";
import type { LoadedPipeline, PipelineSpec } from "../../../src/spec/types.ts";
import { openStateDb } from "../../../src/state/db.ts";
import { type Execution, ExecutionStore } from "../../../src/state/executions.ts";
import { PipelineCatalog } from "../../../src/state/pipelines.ts";

/** Base URL of a PostgreSQL server on which the tests may create and drop databases. */
export function serverUrl(): string {
  const url = process.env.SMELTER_PG_URL ?? process.env.SMELTER_STATE_URL;
  if (!url) throw new Error("set SMELTER_PG_URL or SMELTER_STATE_URL (source the stack's stack.env)");
  return url;
}

/** A fresh database for one test file; `drop` removes it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `smelter_test_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A small stand-in for the spec loader (tables and models are what the service looks at): the service code
 * under test takes the parser as a parameter, like it takes the executors.
 */
export function parseTestSpec(text: string, file: string): LoadedPipeline {
  const raw = YAML.parse(text) as { name: string; tables: string[]; silver?: string[] };
  if (!raw || typeof raw.name !== "string") throw new Error(`${file}: name is required`);
  const spec = {
    version: 1,
    name: raw.name,
    connections: { src: { kind: "postgres", timezone: "+00:00", maxConnections: 2 } },
    warehouse: "wh",
    landing: "land",
    bronzeSchema: `${raw.name}_bronze`,
    silverSchema: `${raw.name}_silver`,
    tables: raw.tables.map((name) => ({ name, source: "src" })),
    silver: (raw.silver ?? []).map((name) => ({ name, from: raw.tables[0] })),
    airflow: {},
    notifications: [],
  } as unknown as PipelineSpec;
  return { spec, file, hash: createHash("sha256").update(text).digest("hex") };
}

export const testGenerate = (p: LoadedPipeline): GeneratedDag[] => [
  {
    fileName: `smelter__${p.spec.name}.py`,
    dagIds: [`smelter__${p.spec.name}`],
    entryDagIds: [`smelter__${p.spec.name}`],
    content: `# ${p.hash}\n`,
  },
];

/** A promise the `slow*` test executors wait on, and the function that lets them finish. */
export function releaseGate(): { released: Promise<void>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { released, release };
}

/** Executors whose behaviour a test steers: they wait for `release`, or fail, as the table name says. */
export function testRegistry(release: Promise<void>): ExecutorRegistry {
  const run: Executor = async (request, ctx) => {
    const table = request.table ?? "";
    ctx.log.info(`working on ${table}`);
    if (table.startsWith("fail")) throw new ConfigError(`table ${table}: column x does not exist`);
    if (table.startsWith("slow")) {
      await Promise.race([
        release,
        new Promise((_r, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted")))),
      ]);
    }
    return { rowsRead: 10, inserted: 3 };
  };
  return { extract: run, bronze: run, silver: run };
}

export interface TestService {
  url: string;
  pool: pg.Pool;
  store: ExecutionStore;
  catalog: PipelineCatalog;
  worker: ExecutionWorker;
  close: (opts?: { graceMs?: number }) => Promise<void>;
}

/** Starts the service's app and worker on 127.0.0.1:0 against `dbUrl`. */
export async function startService(
  dbUrl: string,
  options: {
    registry: ExecutorRegistry;
    maxQueue?: number;
    concurrency?: number;
    lockWaitSeconds?: number;
    leaseSeconds?: number;
    startWorker?: boolean;
    /** The spec parser of the catalog; default the small stand-in `parseTestSpec`. */
    parse?: (text: string, file: string) => LoadedPipeline;
    /** SMELTER_API_TOKENS of the service; default `ops:ops-token,reader:read-token:read`. */
    tokens?: string;
    /** The service log of the app and the worker; default silent. */
    log?: ServiceLog;
    /** Environment the pipelines' connection references resolve against; default process.env. */
    env?: NodeJS.ProcessEnv;
    /** The rules of specs registered over the API; default no secrets directory and any host. */
    registeredSpecs?: RegisteredSpecRules;
    /** Told about every execution the worker finished or marked interrupted (notifications). */
    finished?: (execution: Execution) => Promise<void>;
    /** Values no execution log line may show, as `smelter serve` passes `serviceSecrets`; default none. */
    secrets?: readonly string[];
  },
): Promise<TestService> {
  const pool = await openStateDb(dbUrl, 20);
  const store = new ExecutionStore(pool);
  const catalog = new PipelineCatalog(
    pool,
    "/nonexistent-specs-dir",
    options.parse ?? parseTestSpec,
    options.registeredSpecs ?? { secretsDir: null, allowedHosts: null },
  );
  const metrics = new ServiceMetrics();
  const log = options.log ?? serviceLog({ format: "json", level: "silent" });
  const worker = new ExecutionWorker({
    pool,
    store,
    pipelines: (name) => catalog.get(name),
    runTask: (request, ctx) => runTaskWith(options.registry, request, ctx),
    concurrency: options.concurrency ?? 4,
    lockWaitSeconds: options.lockWaitSeconds ?? 60,
    leaseSeconds: options.leaseSeconds ?? 30,
    observe: metrics.observe,
    pollMs: 100,
    say: (m) => log.info(m),
    log,
    ...(options.env ? { env: options.env } : {}),
    ...(options.finished ? { finished: options.finished } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  if (options.startWorker !== false) await worker.start();
  const app = createApp({
    tokens: parseTokens({ SMELTER_API_TOKENS: options.tokens ?? "ops:ops-token,reader:read-token:read" }),
    pool,
    store,
    catalog,
    metrics,
    maxQueue: options.maxQueue ?? 100,
    publicUrl: "http://smelter.test",
    worker,
    generate: testGenerate,
    log,
    ...(options.env ? { env: options.env } : {}),
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    store,
    catalog,
    worker,
    close: (opts = {}) =>
      drainAndStop({
        server,
        worker,
        stopJobs: async () => {},
        close: [() => store.events.close(), () => pool.end()],
        timeoutMs: opts.graceMs ?? 2000,
        say: () => {},
      }),
  };
}

/** fetch with the ops token. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = {
    method,
    headers: {
      authorization: "Bearer ops-token",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
  };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Polls until `check` returns a value or `ms` pass. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(50);
  }
}

export const airflowCtx = (task: string, tryNumber = 1) => ({
  dag_id: "smelter__social",
  run_id: "manual__2026-11-21T00:00:00+00:00",
  task_id: task,
  map_index: -1,
  try_number: tryNumber,
  logical_date: null,
});

export function submitBody(
  table: string,
  key = `k-${table}-${randomBytes(3).toString("hex")}`,
  step = "bronze",
) {
  return { pipeline: "social", step, table, idempotency_key: key, airflow: airflowCtx(`${step}__${table}`) };
}

export const SOCIAL_SPEC =
  "name: social\ntables: [posts, slow_posts, slow_users, fail_events]\nsilver: [posts_flat]\n";
