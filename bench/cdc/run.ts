import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import type { ExecutionContext, StepMetrics } from "../../src/contracts/step.ts";
import { bronze } from "../../src/executors/bronze/index.ts";
import { extract } from "../../src/executors/extract/index.ts";
import { standaloneState } from "../../src/runtime/standalone.ts";
import type { PipelineSpec, TableSpec } from "../../src/spec/types.ts";
import { airflowSettings, tableSpec } from "../../test/integration/support.ts";
import { type DltSettings, runDlt } from "../e2e/dlt.ts";
import { psql, time } from "../lib/measure.ts";

/**
 * A 1% change round (updates and hard deletes) of one MariaDB (or, with `--mysql`, MySQL) table captured three
 * ways, in one run: change
 * capture from the binlog (`mode: cdc`), cursor extraction with key reconciliation (`deletes: reconcile`, the way a
 * cursor sees hard deletes), and dlt (its `sql_database` source, incremental on `updated_at`, merged on `id` into
 * PostgreSQL: bench/dlt/pipeline.py; a cursor cannot see hard deletes, so dlt's table keeps the deleted rows).
 * Reports per contender the extract and bronze seconds (dlt: the wall seconds of its process and of its phases),
 * the rows landed, the table rows the source read during the extract (dlt: during its whole run; MariaDB's global
 * `Rows_read`, MySQL's `Innodb_rows_read`, so other work on a shared server adds to it) and the rows in the
 * destination table. Writes bench/results/cdc.json (cdc-mysql.json); measures, asserts nothing.
 * Usage: tsx bench/cdc/run.ts [rows] [--mysql] [--skip-dlt] [--log] (default 500000 rows; `--log` prints each execution's
 * log lines with their milliseconds to stderr), with the local stack's environment
 * (`source /var/tmp/smelter-stack/stack.env`); dlt runs in the virtualenv of bench/dlt/venv.sh (or
 * `BENCH_DLT_PYTHON`).
 */

const ROWS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 500_000);
const skipDlt = process.argv.includes("--skip-dlt");
const showLog = process.argv.includes("--log");
const source = process.argv.includes("--mysql")
  ? {
      kind: "mysql" as const,
      urlEnv: "SMELTER_MYSQL_URL",
      rowsRead: "Innodb_rows_read",
      result: "cdc-mysql.json",
    }
  : { kind: "mariadb" as const, urlEnv: "SMELTER_MARIADB_URL", rowsRead: "Rows_read", result: "cdc.json" };
const env = process.env;
const table = `bench_cdc_${Date.now().toString(36)}`;
const state = standaloneState(env, "smelter-bench");

async function pipeline(name: string, over: Partial<TableSpec>): Promise<PipelineSpec> {
  return {
    version: 1,
    name,
    connections: {
      src: { kind: source.kind, url: { env: source.urlEnv }, timezone: "+00:00", maxConnections: 2 },
      wh: { kind: "postgres", url: { env: "SMELTER_WAREHOUSE_URL" }, timezone: "+00:00", maxConnections: 2 },
      landing: {
        kind: "local",
        path: await mkdtemp(join(tmpdir(), "smelter-bench-cdc-")),
        prefix: "landing",
      },
    },
    warehouse: "wh",
    landing: "landing",
    bronzeSchema: `${name}_bronze`,
    silverSchema: `${name}_silver`,
    tables: [tableSpec({ name: table, ...over })],
    silver: [],
    airflow: airflowSettings("bench"),
    notifications: [],
  };
}

function context(spec: PipelineSpec): ExecutionContext {
  const start = performance.now();
  // With --log, each execution's log lines go to stderr with the milliseconds since it started.
  const line = (m: string) =>
    console.error(`    [${spec.name} +${Math.round(performance.now() - start)} ms] ${m}`);
  const say = showLog ? line : () => undefined;
  return {
    executionId: "bench",
    pipeline: { spec, file: "bench.yaml", hash: "0" },
    log: { info: say, warn: say, error: say },
    signal: new AbortController().signal,
    env,
    watermarks: state.watermarks,
  };
}

async function rowsRead(db: mysql.Connection): Promise<number> {
  const [rows] = await db.query(`SHOW GLOBAL STATUS LIKE '${source.rowsRead}'`);
  return Number((rows as { Value: string }[])[0]?.Value ?? 0);
}

interface Run {
  extract_seconds: number;
  bronze_seconds: number;
  rows_landed: number;
  source_rows_read: number;
  bronze_rows: number;
}

async function run(db: mysql.Connection, wh: pg.Pool, spec: PipelineSpec): Promise<Run> {
  const before = await rowsRead(db);
  const [extractSeconds, metrics] = await time<StepMetrics>(() =>
    extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
  );
  const read = (await rowsRead(db)) - before;
  const [bronzeSeconds] = await time(() =>
    bronze({ pipeline: spec.name, step: "bronze", table }, context(spec)),
  );
  const count = await wh.query(`SELECT count(*)::int AS n FROM "${spec.bronzeSchema}"."${table}"`);
  return {
    extract_seconds: Number(extractSeconds.toFixed(2)),
    bronze_seconds: Number(bronzeSeconds.toFixed(2)),
    rows_landed: metrics.rowsLanded ?? 0,
    source_rows_read: read,
    bronze_rows: count.rows[0].n,
  };
}

interface DltRun {
  seconds: number;
  phases: Record<string, number>;
  rows_loaded: number;
  source_rows_read: number;
  destination_rows: number;
  max_rss_mb: number;
  version: string;
}

async function runDltRound(db: mysql.Connection, s: DltSettings, label: string): Promise<DltRun> {
  const before = await rowsRead(db);
  const result = await runDlt(s, label);
  const read = (await rowsRead(db)) - before;
  const dest = new pg.Client({ connectionString: s.destinationUrl });
  await dest.connect();
  try {
    const count = await dest.query(`SELECT count(*)::int AS n FROM "${s.dataset}"."${table}"`);
    return {
      seconds: Number(result.seconds.toFixed(2)),
      phases: Object.fromEntries(Object.entries(result.phases).map(([k, v]) => [k, Number(v.toFixed(2))])),
      rows_loaded: result.rows,
      source_rows_read: read,
      destination_rows: count.rows[0].n,
      max_rss_mb: result.maxRssMb,
      version: result.version,
    };
  } finally {
    await dest.end();
  }
}

const pgBase = (env.SMELTER_PG_URL ?? "postgres://smelter:smelter@127.0.0.1:15432").replace(/\/$/, "");
const dltDatabase = `bench_cdc_dlt_${Date.now().toString(36)}`;
const dlt: DltSettings | null = skipDlt
  ? null
  : {
      python:
        env.BENCH_DLT_PYTHON ??
        execFileSync("bash", [join(import.meta.dirname, "..", "dlt", "venv.sh")], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        }).trim(),
      sourceUrl: env[source.urlEnv] as string,
      adminUrl: `${pgBase}/postgres`,
      destinationUrl: `${pgBase}/${dltDatabase}`,
      database: dltDatabase,
      pipelinesDir: await mkdtemp(join(tmpdir(), "smelter-bench-cdc-dlt-")),
      keys: { [table]: ["id"] },
      dataset: "bench_cdc",
    };

const db = await mysql.createConnection({ uri: env[source.urlEnv], multipleStatements: true });
const wh = new pg.Pool({ connectionString: env.SMELTER_WAREHOUSE_URL, max: 2 });
const cdc = await pipeline(`bench_cdc_${Date.now().toString(36)}`, { mode: "cdc", cursor: [] });
const cursor = await pipeline(`bench_cur_${Date.now().toString(36)}`, {
  deletes: { mode: "reconcile", everyRuns: 1 },
});
try {
  await db.query(
    `CREATE TABLE ${table} (id INT PRIMARY KEY, account INT NOT NULL, title VARCHAR(100),
       amount DECIMAL(20,4), updated_at DATETIME(6) NOT NULL, KEY (updated_at))`,
  );
  // A recursive CTE: MySQL has no seq_1_to_N tables.
  await db.query(
    `SET SESSION ${source.kind === "mysql" ? "cte_max_recursion_depth" : "max_recursive_iterations"} = ${ROWS + 1}`,
  );
  await db.query(
    `INSERT INTO ${table} WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS})
       SELECT n, n % 97, CONCAT('title ', n), n * 1.2345, '2026-01-01' + INTERVAL n SECOND FROM seq`,
  );
  if (dlt) psql(dlt.adminUrl, `CREATE DATABASE ${dlt.database};`);
  const initial = {
    cdc: await run(db, wh, cdc),
    cursor: await run(db, wh, cursor),
    dlt: dlt ? await runDltRound(db, dlt, "dlt initial") : null,
  };
  // 1% of the rows: three quarters updated, one quarter deleted, spread over the table.
  const [updated] = await db.query(
    `UPDATE ${table} SET title = CONCAT('changed ', id), updated_at = NOW(6) WHERE id % 400 IN (1, 2, 3)`,
  );
  const [deleted] = await db.query(`DELETE FROM ${table} WHERE id % 400 = 4`);
  const changes =
    (updated as { affectedRows: number }).affectedRows + (deleted as { affectedRows: number }).affectedRows;
  const round = {
    cdc: await run(db, wh, cdc),
    cursor: await run(db, wh, cursor),
    dlt: dlt ? await runDltRound(db, dlt, "dlt round") : null,
  };
  const [left] = await db.query(`SELECT count(*) AS n FROM ${table}`);
  const result = {
    rows: ROWS,
    changes,
    source_rows_after: Number((left as { n: number }[])[0]?.n),
    initial,
    round,
  };
  await mkdir(join(import.meta.dirname, "..", "results"), { recursive: true });
  await writeFile(
    join(import.meta.dirname, "..", "results", source.result),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  for (const spec of [cdc, cursor]) await wh.query(`DROP SCHEMA IF EXISTS "${spec.bronzeSchema}" CASCADE`);
  if (dlt) {
    psql(dlt.adminUrl, `DROP DATABASE IF EXISTS ${dlt.database} WITH (FORCE);`);
    await rm(dlt.pipelinesDir, { recursive: true, force: true });
  }
  await db.end();
  await wh.end();
  await state.close();
}
