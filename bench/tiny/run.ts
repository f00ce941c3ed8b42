import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdir, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import mysql from "mysql2/promise";
import pg from "pg";
import { generateDags } from "../../src/airflow/pipelines.ts";
import { parseTokens } from "../../src/config.ts";
import { runTask } from "../../src/executors/index.ts";
import { createApp } from "../../src/http/app.ts";
import { ServiceMetrics } from "../../src/http/metrics.ts";
import { drainAndStop } from "../../src/http/shutdown.ts";
import { serviceLog } from "../../src/log.ts";
import { parsePipeline } from "../../src/registry.ts";
import { ExecutionWorker } from "../../src/runtime/worker.ts";
import { openStateDb } from "../../src/state/db.ts";
import { ExecutionStore } from "../../src/state/executions.ts";
import { PipelineCatalog } from "../../src/state/pipelines.ts";
import { PHASES, type PhaseEvent } from "../../src/trace.ts";
import { renderReport, type StepReport, summarize } from "./report.ts";

/**
 * The fixed cost of a tiny execution: a warm in-process service (the app and worker of `smelter serve`, reached
 * over HTTP on 127.0.0.1 like the Airflow operator reaches it) runs extract, bronze and silver of a table whose
 * source changed by one row, for a MariaDB and a PostgreSQL source, into the PostgreSQL warehouse with S3 landing,
 * `REPS` times. Per step it reports the median and p95 of the HTTP round trip (submit → success seen by the long
 * poll) and of the service's own execution time, and the median of each phase the code publishes on the
 * `smelter.phase` diagnostics channel (src/trace.ts). The baseline, measured in the same run on connections
 * opened once: the statements and object store requests a step needs at least, done by hand (extract: snapshot,
 * max cursor, the row, watermark; LIST of the table's manifests, PUT of a part and of a manifest; bronze: MERGE,
 * change row and checkpoint in one transaction, LIST of the manifests; silver: MERGE and checkpoint in one
 * transaction), so the ratio says how much of a step is overhead, and the S3 part of it how much no code change
 * on smelter's side can remove. With `local` the landing zone is a local directory instead of S3 (no S3 floor).
 * It measures and reports; it asserts nothing.
 * Usage: node --import tsx bench/tiny/run.ts [reps=30] [warmup=3] [s3|local] (with the stack's stack.env sourced).
 */

const REPS = Number(process.argv[2] ?? 30);
const WARMUP = Number(process.argv[3] ?? 3);
const LANDING = process.argv[4] === "local" ? "local" : "s3";
const LOCAL_LANDING = "/var/tmp/smelter-bench/tiny-landing";
const NAME = "bench_tiny";
const DATABASES = { state: "bench_tiny_state", source: "bench_tiny_src", warehouse: "bench_tiny_wh" };

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: source the stack's stack.env (scripts/stack up)`);
  return value;
}

const pgUrl = (database: string): string => {
  const url = new URL(need("SMELTER_PG_URL"));
  url.pathname = `/${database}`;
  return url.toString();
};

const prefix = `bench-tiny/${randomBytes(4).toString("hex")}`;

const SPEC = `version: 1
name: ${NAME}
connections:
  maria:
    kind: mariadb
    host: { env: SMELTER_MARIADB_HOST }
    port: { env: SMELTER_MARIADB_PORT }
    database: ${NAME}
    user: { env: SMELTER_MARIADB_USER }
    password: { env: SMELTER_MARIADB_PASSWORD }
    timezone: "+00:00"
  pgsrc:
    kind: postgres
    host: { env: SMELTER_PG_HOST }
    port: { env: SMELTER_PG_PORT }
    database: ${DATABASES.source}
    user: { env: SMELTER_PG_USER }
    password: { env: SMELTER_PG_PASSWORD }
  warehouse:
    kind: postgres
    host: { env: SMELTER_PG_HOST }
    port: { env: SMELTER_PG_PORT }
    database: ${DATABASES.warehouse}
    user: { env: SMELTER_PG_USER }
    password: { env: SMELTER_PG_PASSWORD }
  landing:
${
  LANDING === "local"
    ? `    kind: local
    path: ${LOCAL_LANDING}
    prefix: ${prefix}`
    : `    kind: s3
    bucket: { env: SMELTER_S3_BUCKET }
    prefix: ${prefix}
    region: { env: AWS_REGION }
    endpoint: { env: SMELTER_S3_ENDPOINT }
    access_key_id: { env: AWS_ACCESS_KEY_ID }
    secret_access_key: { env: AWS_SECRET_ACCESS_KEY }`
}
warehouse: warehouse
landing: landing
tables:
  - { name: m_events, source: maria, table: events, primary_key: [id], cursor: [updated_at] }
  - { name: p_events, source: pgsrc, table: events, primary_key: [id], cursor: [updated_at] }
silver:
  - name: m_events_flat
    from: m_events
    key: [event_id]
    columns: [{ name: event_id, from: id }, { name: label, from: label }, amount, updated_at]
  - name: p_events_flat
    from: p_events
    key: [event_id]
    columns: [{ name: event_id, from: id }, { name: label, from: label }, amount, updated_at]
airflow:
  schedule: null
`;

const EVENTS_ROWS = 1000;

/** Fresh source tables (1,000 rows each), warehouse and state databases. */
async function prepare(): Promise<void> {
  const admin = new pg.Client({ connectionString: need("SMELTER_PG_URL") });
  await admin.connect();
  for (const db of Object.values(DATABASES)) {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${db}`);
  }
  await admin.end();
  const src = new pg.Client({ connectionString: pgUrl(DATABASES.source) });
  await src.connect();
  await src.query(`CREATE TABLE events (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(12,2),
    updated_at timestamp(6) NOT NULL);
    INSERT INTO events SELECT i, 'label ' || i, i * 1.25, timestamp '2026-01-01' + i * interval '1 second'
      FROM generate_series(1, ${EVENTS_ROWS}) i;
    CREATE INDEX ON events (updated_at);`);
  await src.end();
  const maria = await mariadb();
  await maria.query(`DROP DATABASE IF EXISTS ${NAME}`);
  await maria.query(`CREATE DATABASE ${NAME}`);
  await maria.query(`USE ${NAME}`);
  await maria.query(`CREATE TABLE ${NAME}.events (id BIGINT PRIMARY KEY, label VARCHAR(100) NOT NULL,
    amount DECIMAL(12,2), updated_at DATETIME(6) NOT NULL, KEY (updated_at))`);
  await maria.query(
    `INSERT INTO ${NAME}.events SELECT seq, CONCAT('label ', seq), seq * 1.25,
       TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_${EVENTS_ROWS}`,
  );
  await maria.end();
}

function mariadb(database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: need("SMELTER_MARIADB_HOST"),
    port: Number(need("SMELTER_MARIADB_PORT")),
    user: need("SMELTER_MARIADB_USER"),
    password: need("SMELTER_MARIADB_PASSWORD"),
    ...(database ? { database } : {}),
    rowsAsArray: true,
    dateStrings: true,
  });
}

/** The service as `smelter serve` builds it (app + worker), listening on 127.0.0.1, without scheduled jobs. */
async function startService() {
  const pool = await openStateDb(pgUrl(DATABASES.state), 20);
  const store = new ExecutionStore(pool);
  const catalog = new PipelineCatalog(pool, "/nonexistent-specs-dir", parsePipeline, {
    secretsDir: null,
    allowedHosts: null,
  });
  await catalog.register(NAME, SPEC);
  const metrics = new ServiceMetrics();
  const log = serviceLog({ format: "json", level: "silent" });
  const worker = new ExecutionWorker({
    pool,
    store,
    pipelines: (name) => catalog.get(name),
    runTask,
    concurrency: 4,
    lockWaitSeconds: 60,
    leaseSeconds: 30,
    observe: metrics.observe,
    say: () => undefined,
    log,
  });
  await worker.start();
  const app = createApp({
    tokens: parseTokens({ SMELTER_API_TOKENS: "bench:bench-token" }),
    pool,
    store,
    catalog,
    metrics,
    maxQueue: 100,
    publicUrl: "http://127.0.0.1",
    worker,
    generate: generateDags,
    log,
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      drainAndStop({
        server,
        worker,
        stopJobs: async () => {},
        close: [() => store.events.close(), () => pool.end()],
        timeoutMs: 5000,
        say: () => {},
      }),
  };
}

interface ExecutionBody {
  id: string;
  status: string;
  metrics: { duration_ms?: number; rows_read?: number; rows_landed?: number } | null;
  error: { message: string } | null;
}

async function call(url: string, init: RequestInit = {}): Promise<ExecutionBody> {
  const res = await fetch(url, {
    ...init,
    headers: { authorization: "Bearer bench-token", "content-type": "application/json" },
  });
  const body = (await res.json()) as ExecutionBody;
  if (res.status >= 300)
    throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Runs one step over HTTP as the operator does: submit, then long-poll until it ends. */
async function runStep(base: string, step: string, table: string): Promise<ExecutionBody> {
  let execution = await call(`${base}/api/v1/executions`, {
    method: "POST",
    body: JSON.stringify({
      pipeline: NAME,
      step,
      table,
      idempotency_key: `${step}/${table}/${randomBytes(6).toString("hex")}`,
    }),
  });
  while (!["success", "failed", "cancelled"].includes(execution.status)) {
    execution = await call(`${base}/api/v1/executions/${execution.id}?wait=30&status=${execution.status}`);
  }
  if (execution.status !== "success")
    throw new Error(`${step} ${table}: ${execution.status}: ${execution.error?.message}`);
  return execution;
}

/** A baseline's time: its statements, and its object store requests (0 with a local landing zone). */
interface Floor {
  sqlMs: number;
  s3Ms: number;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** What a step needs at least, done by hand on connections opened once: the baseline of each step. */
class Baseline {
  private constructor(
    private readonly maria: mysql.Connection,
    private readonly source: pg.Client,
    private readonly warehouse: pg.Client,
    private readonly state: pg.Client,
    private readonly s3: S3Client,
  ) {}

  static async open(): Promise<Baseline> {
    const connect = async (url: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    };
    const warehouse = await connect(pgUrl(DATABASES.warehouse));
    await warehouse.query(`CREATE SCHEMA IF NOT EXISTS baseline;
      CREATE TABLE IF NOT EXISTS baseline.bronze (id bigint PRIMARY KEY, label text, amount numeric(12,2), updated_at timestamp);
      CREATE TABLE IF NOT EXISTS baseline.changes (id bigint, label text, amount numeric(12,2), updated_at timestamp, v bigint);
      CREATE TABLE IF NOT EXISTS baseline.silver (id bigint PRIMARY KEY, label text, amount numeric(12,2), updated_at timestamp);
      CREATE TABLE IF NOT EXISTS baseline.checkpoints (name text PRIMARY KEY, v bigint)`);
    const state = await connect(pgUrl(DATABASES.state));
    await state.query("CREATE TABLE IF NOT EXISTS baseline_watermarks (name text PRIMARY KEY, w text)");
    const s3 = new S3Client({
      region: need("AWS_REGION"),
      endpoint: need("SMELTER_S3_ENDPOINT"),
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new Baseline(await mariadb(NAME), await connect(pgUrl(DATABASES.source)), warehouse, state, s3);
  }

  private put(key: string, bytes: number): Promise<unknown> {
    return this.s3.send(
      new PutObjectCommand({
        Bucket: need("SMELTER_S3_BUCKET"),
        Key: `${prefix}/baseline/${key}`,
        Body: Buffer.alloc(bytes, 1),
      }),
    );
  }

  /** LIST of a table's manifests, as smelter's landing layout places them. */
  private list(table: string): Promise<unknown> {
    return this.s3.send(
      new ListObjectsV2Command({
        Bucket: need("SMELTER_S3_BUCKET"),
        Prefix: `${prefix}/${NAME}/${table}/_manifests/`,
      }),
    );
  }

  /** Snapshot, max cursor and the row read in one transaction, the watermark saved; LIST, part and manifest PUT. */
  async extract(kind: "mariadb" | "postgres", table: string, since: string): Promise<Floor> {
    const sqlMs = await timed(() => this.extractSql(kind, since));
    const s3Ms =
      LANDING === "local"
        ? 0
        : await timed(async () => {
            await this.list(table);
            await this.put("part.parquet", 1500);
            await this.put("manifest.json", 2000);
          });
    return { sqlMs, s3Ms };
  }

  private async extractSql(kind: "mariadb" | "postgres", since: string): Promise<void> {
    if (kind === "mariadb") {
      await this.maria.query("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
      await this.maria.query("SELECT MAX(updated_at) FROM events");
      await this.maria.query("SELECT * FROM events WHERE updated_at >= ?", [since]);
      await this.maria.query("COMMIT");
    } else {
      await this.source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await this.source.query("SELECT max(updated_at) FROM events");
      await this.source.query("SELECT * FROM events WHERE updated_at >= $1", [since]);
      await this.source.query("COMMIT");
    }
    await this.state.query(
      "INSERT INTO baseline_watermarks VALUES ('t', $1) ON CONFLICT (name) DO UPDATE SET w = EXCLUDED.w",
      [since],
    );
  }

  /** One MERGE of a row with its change-feed row and checkpoint, in one transaction; LIST of the manifests. */
  async bronze(table: string, id: number): Promise<Floor> {
    const s3Ms = LANDING === "local" ? 0 : await timed(() => this.list(table));
    return { sqlMs: await timed(() => this.bronzeSql(id)), s3Ms };
  }

  private async bronzeSql(id: number): Promise<void> {
    const w = this.warehouse;
    await w.query("BEGIN");
    await w.query(
      `MERGE INTO baseline.bronze b USING (SELECT $1::bigint AS id, 'x' AS label, 1.0 AS amount, now()::timestamp AS updated_at) s
         ON b.id = s.id WHEN MATCHED THEN UPDATE SET label = s.label, updated_at = s.updated_at
         WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.label, s.amount, s.updated_at)`,
      [id],
    );
    await w.query("INSERT INTO baseline.changes SELECT *, 1 FROM baseline.bronze WHERE id = $1", [id]);
    await w.query(
      "INSERT INTO baseline.checkpoints VALUES ('bronze', 1) ON CONFLICT (name) DO UPDATE SET v = baseline.checkpoints.v + 1",
    );
    await w.query("COMMIT");
  }

  /** The change rows after a checkpoint merged into silver, with the checkpoint, in one transaction. */
  async silver(): Promise<Floor> {
    return { sqlMs: await timed(() => this.silverSql()), s3Ms: 0 };
  }

  private async silverSql(): Promise<void> {
    const w = this.warehouse;
    await w.query("BEGIN");
    await w.query("SELECT v FROM baseline.checkpoints WHERE name = 'silver'");
    await w.query(
      `MERGE INTO baseline.silver t USING (SELECT DISTINCT ON (id) * FROM baseline.changes WHERE v >= 1 ORDER BY id, v DESC) c
         ON t.id = c.id WHEN MATCHED THEN UPDATE SET label = c.label, updated_at = c.updated_at
         WHEN NOT MATCHED THEN INSERT VALUES (c.id, c.label, c.amount, c.updated_at)`,
    );
    await w.query("TRUNCATE baseline.changes");
    await w.query(
      "INSERT INTO baseline.checkpoints VALUES ('silver', 1) ON CONFLICT (name) DO UPDATE SET v = baseline.checkpoints.v + 1",
    );
    await w.query("COMMIT");
  }

  /** Deletes what the run landed in the shared bucket (its own prefix), so later runs list no more than this one. */
  async removeLanded(): Promise<void> {
    const Bucket = need("SMELTER_S3_BUCKET");
    for (;;) {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${prefix}/` }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) return;
      await this.s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
    }
  }

  async close(): Promise<void> {
    await this.maria.end();
    for (const c of [this.source, this.warehouse, this.state]) await c.end();
    this.s3.destroy();
  }
}

/** Changes one row at each source: the next extract reads that row alone. */
async function changeOneRow(maria: mysql.Connection, source: pg.Client, rep: number): Promise<void> {
  await maria.query("UPDATE events SET label = ?, updated_at = NOW(6) WHERE id = 1", [`rep ${rep}`]);
  await source.query("UPDATE events SET label = $1, updated_at = clock_timestamp() WHERE id = 1", [
    `rep ${rep}`,
  ]);
}

const STEPS = [
  { key: "extract (MariaDB source)", step: "extract", table: "m_events", baseline: "extract" },
  { key: "bronze (from MariaDB)", step: "bronze", table: "m_events", baseline: "bronze" },
  { key: "silver (from MariaDB)", step: "silver", table: "m_events_flat", baseline: "silver" },
  { key: "extract (PostgreSQL source)", step: "extract", table: "p_events", baseline: "extract-pg" },
  { key: "bronze (from PostgreSQL)", step: "bronze", table: "p_events", baseline: "bronze" },
  { key: "silver (from PostgreSQL)", step: "silver", table: "p_events_flat", baseline: "silver" },
] as const;

async function main(): Promise<void> {
  console.log(
    `tiny: preparing databases and the service (${REPS} repetitions, ${WARMUP} warm-up, ${LANDING} landing)`,
  );
  await prepare();
  const service = await startService();
  const baseline = await Baseline.open();
  const maria = await mariadb(NAME);
  const source = new pg.Client({ connectionString: pgUrl(DATABASES.source) });
  await source.connect();
  const samples: Record<string, StepReport["samples"]> = {};
  let current: PhaseEvent[] | null = null;
  const listener = (event: unknown) => current?.push(event as PhaseEvent);
  subscribe(PHASES.name, listener);
  try {
    // The first load of each table, then warm-up rounds: what follows is a warm service's steady state.
    for (const s of STEPS) await runStep(service.url, s.step, s.table);
    for (let rep = -WARMUP; rep < REPS; rep++) {
      await changeOneRow(maria, source, rep);
      for (const s of STEPS) {
        current = [];
        const start = performance.now();
        const execution = await runStep(service.url, s.step, s.table);
        const roundTrip = performance.now() - start;
        const phases = current;
        current = null;
        const since = "2026-01-01 00:00:00";
        const floor =
          s.baseline === "extract"
            ? await baseline.extract("mariadb", s.table, since)
            : s.baseline === "extract-pg"
              ? await baseline.extract("postgres", s.table, since)
              : s.baseline === "bronze"
                ? await baseline.bronze(s.table, rep + 100)
                : await baseline.silver();
        if (rep < 0) continue;
        const rows = execution.metrics?.rows_landed ?? execution.metrics?.rows_read ?? 0;
        const list = samples[s.key] ?? [];
        samples[s.key] = list;
        list.push({
          roundTripMs: roundTrip,
          executionMs: execution.metrics?.duration_ms ?? Number.NaN,
          baselineMs: floor.sqlMs + floor.s3Ms,
          objectStoreMs: floor.s3Ms,
          rows,
          phases,
        });
      }
      if (rep >= 0 && (rep + 1) % 10 === 0) console.log(`tiny: ${rep + 1} of ${REPS} repetitions`);
    }
  } finally {
    unsubscribe(PHASES.name, listener);
    await maria.end();
    await source.end();
    await service.close();
    if (LANDING === "s3") await baseline.removeLanded();
    else await rm(LOCAL_LANDING, { recursive: true, force: true });
    await baseline.close();
  }
  const steps = STEPS.map((s) => summarize(s.key, samples[s.key] ?? []));
  const results = { date: new Date().toISOString(), reps: REPS, warmup: WARMUP, landing: LANDING, steps };
  const out = new URL(`../results/tiny${LANDING === "local" ? "-local" : ""}.json`, import.meta.url);
  await mkdir(new URL(".", out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderReport(steps));
}

await main();
