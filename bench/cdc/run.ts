import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
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
import { time } from "../lib/measure.ts";

/**
 * A 1% change round (updates and hard deletes) of one MariaDB table captured two ways, in one run: change capture
 * from the binlog (`mode: cdc`), and cursor extraction with key reconciliation (`deletes: reconcile`, the way a
 * cursor sees hard deletes). Reports per contender the extract and bronze seconds, the rows landed, and the table
 * rows the source read during the extract (MariaDB's global `Rows_read`, so other work on a shared server adds to
 * it). Writes bench/results/cdc.json; measures, asserts nothing.
 * Usage: tsx bench/cdc/run.ts [rows] (default 500000), with the local stack's environment
 * (`source /var/tmp/smelter-stack/stack.env`).
 */

const ROWS = Number(process.argv[2] ?? 500_000);
const env = process.env;
const table = `bench_cdc_${Date.now().toString(36)}`;
const state = standaloneState(env, "smelter-bench");

async function pipeline(name: string, over: Partial<TableSpec>): Promise<PipelineSpec> {
  return {
    version: 1,
    name,
    connections: {
      src: { kind: "mariadb", url: { env: "SMELTER_MARIADB_URL" }, timezone: "+00:00", maxConnections: 2 },
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
  const quiet = () => undefined;
  return {
    executionId: "bench",
    pipeline: { spec, file: "bench.yaml", hash: "0" },
    log: { info: quiet, warn: quiet, error: quiet },
    signal: new AbortController().signal,
    env,
    watermarks: state.watermarks,
  };
}

async function rowsRead(db: mysql.Connection): Promise<number> {
  const [rows] = await db.query("SHOW GLOBAL STATUS LIKE 'Rows_read'");
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

const db = await mysql.createConnection({ uri: env.SMELTER_MARIADB_URL, multipleStatements: true });
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
  await db.query(
    `INSERT INTO ${table} SELECT seq, seq % 97, CONCAT('title ', seq), seq * 1.2345,
       '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
  );
  const initial = { cdc: await run(db, wh, cdc), cursor: await run(db, wh, cursor) };
  // 1% of the rows: three quarters updated, one quarter deleted, spread over the table.
  const [updated] = await db.query(
    `UPDATE ${table} SET title = CONCAT('changed ', id), updated_at = NOW(6) WHERE id % 400 IN (1, 2, 3)`,
  );
  const [deleted] = await db.query(`DELETE FROM ${table} WHERE id % 400 = 4`);
  const changes =
    (updated as { affectedRows: number }).affectedRows + (deleted as { affectedRows: number }).affectedRows;
  const round = { cdc: await run(db, wh, cdc), cursor: await run(db, wh, cursor) };
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
    join(import.meta.dirname, "..", "results", "cdc.json"),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  for (const spec of [cdc, cursor]) await wh.query(`DROP SCHEMA IF EXISTS "${spec.bronzeSchema}" CASCADE`);
  await db.end();
  await wh.end();
  await state.close();
}
