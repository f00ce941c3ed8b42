import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import mysql from "mysql2/promise";
import pg from "pg";
import type { ExecutionContext } from "../../../src/contracts/step.ts";
import { listManifests, openLandingZone } from "../../../src/landing/index.ts";
import type { BatchManifest, LandingZone } from "../../../src/landing/types.ts";
import { standaloneState } from "../../../src/runtime/standalone.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import type { PipelineSpec, TableSpec } from "../../../src/spec/types.ts";
import { migrate } from "../../../src/state/migrate.ts";
import { airflowSettings, tableSpec } from "../support.ts";

export { tableSpec };

/** Why the integration tests cannot run here, or null when the stack's variables are set. */
export function missingStack(...vars: string[]): string | null {
  const missing = ["SMELTER_STATE_URL", ...vars].filter((v) => !process.env[v]);
  return missing.length ? `stack not configured (${missing.join(", ")} unset): run scripts/stack up` : null;
}

/** A unique lower-case name for tables, pipelines and databases of one test. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Applies the state migrations. */
export async function migrateState(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.SMELTER_STATE_URL });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
}

/** A server of the MariaDB/MySQL family the tests read from: the stack's MariaDB, or its MySQL. */
export interface MysqlServer {
  label: "MariaDB" | "MySQL";
  kind: "mariadb" | "mysql";
  /** The stack.env variable with its URL. */
  urlEnv: string;
  /** The base name of its binary log files (`log_bin`): `<base>.000001`, ... */
  binlogBase: string;
  /** A GTID position as it records it: MariaDB's `domain-server-sequence`, MySQL's `uuid:interval` set. */
  gtid: RegExp;
  /** A GTID position no server of the stack ever wrote. */
  unwrittenGtid: string;
}

export const MARIADB: MysqlServer = {
  label: "MariaDB",
  kind: "mariadb",
  urlEnv: "SMELTER_MARIADB_URL",
  binlogBase: "mariadb-bin",
  gtid: /^\d+-\d+-\d+/,
  unwrittenGtid: "99-1-5",
};

export const MYSQL: MysqlServer = {
  label: "MySQL",
  kind: "mysql",
  urlEnv: "SMELTER_MYSQL_URL",
  binlogBase: "mysql-bin",
  gtid: /^[0-9a-f-]{36}:\d+(-\d+)?/,
  unwrittenGtid: "00000000-0000-0000-0000-000000000099:1-5",
};

export async function mariadbConnection(server: MysqlServer = MARIADB): Promise<mysql.Connection> {
  return mysql.createConnection({
    uri: process.env[server.urlEnv],
    charset: "utf8mb4",
    multipleStatements: true,
  });
}

/**
 * Inserts rows 1..`rows` of `select` (an expression list over `n`) into `table`, from a recursive CTE, which
 * both servers know (MariaDB's `seq_1_to_N` tables MySQL does not).
 */
export async function insertSequence(
  db: mysql.Connection,
  table: string,
  rows: number,
  select: string,
): Promise<void> {
  const [version] = await db.query("SELECT VERSION() AS v");
  const mariadb = String((version as { v: string }[])[0]?.v).includes("MariaDB");
  await db.query(
    `SET SESSION ${mariadb ? "max_recursive_iterations" : "cte_max_recursion_depth"} = ${rows + 1}`,
  );
  await db.query(
    `INSERT INTO ${table} WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${rows}) SELECT ${select} FROM seq`,
  );
}

/**
 * Registers hooks that run `create` (which creates and fills the table) before the suite and drop the table
 * after, on one MariaDB connection (after `migrateState`). `db()` is that connection, for the suite's own writes.
 */
export function mariadbTable(
  prefix: string,
  create: (db: mysql.Connection, table: string) => Promise<void>,
  server: MysqlServer = MARIADB,
): { table: string; db: () => mysql.Connection } {
  const table = uniqueName(prefix);
  let db: mysql.Connection | undefined;
  before(async () => {
    await migrateState();
    db = await mariadbConnection(server);
    await create(db, table);
  });
  after(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });
  return { table, db: () => db as mysql.Connection };
}

/**
 * A MariaDB (or `server`'s) table of `rows` rows for the suite: id, payload `row <id>`, and updated_at one second apart from
 * 2026-01-01 (`updatedAt` its type; the default keeps microseconds, so that the suite's own changes stamped
 * `NOW(6)` are told apart). `db()` is the connection, for those changes.
 */
export function changingTable(
  prefix: string,
  rows: number,
  updatedAt: "DATETIME" | "DATETIME(6)" = "DATETIME(6)",
  server: MysqlServer = MARIADB,
): { table: string; db: () => mysql.Connection } {
  return mariadbTable(
    prefix,
    async (db, table) => {
      await db.query(
        `CREATE TABLE ${table} (id INT PRIMARY KEY, payload VARCHAR(100), updated_at ${updatedAt} NOT NULL)`,
      );
      await insertSequence(db, table, rows, "n, CONCAT('row ', n), '2026-01-01' + INTERVAL n SECOND");
    },
    server,
  );
}

/** A MariaDB table of `rows` rows (id, payload, updated_at one second apart) for the suite; returns its name. */
export function sequenceTable(prefix: string, rows: number): string {
  return changingTable(prefix, rows, "DATETIME").table;
}

/**
 * Registers hooks that create a PostgreSQL source database of the suite's own on the stack's server before the
 * suite (after `migrateState`), with its URL in `process.env[urlEnv]` for specs, and drop it after the suite,
 * with the replication slots drains left on it. `admin()` is a client of the server, `src()` of the database.
 */
export function postgresSource(
  prefix: string,
  urlEnv: string,
): { database: string; admin: () => pg.Client; src: () => pg.Client } {
  const database = uniqueName(prefix);
  let admin: pg.Client | undefined;
  let src: pg.Client | undefined;
  before(async () => {
    await migrateState();
    admin = new pg.Client({ connectionString: process.env.SMELTER_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(process.env.SMELTER_PG_URL as string);
    url.pathname = `/${database}`;
    process.env[urlEnv] = url.href;
    src = new pg.Client({ connectionString: url.href });
    await src.connect();
  });
  after(async () => {
    await src?.end();
    // A slot left behind would hold WAL on the shared server: a reader still on one (a killed drain's walsender)
    // is ended first.
    for (let attempt = 0; attempt < 50; attempt++) {
      const { rows } = await (admin as pg.Client).query(
        "SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1",
        [database],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        if (r.active_pid !== null) await admin?.query("SELECT pg_terminate_backend($1)", [r.active_pid]);
        else await admin?.query("SELECT pg_drop_replication_slot($1)", [r.slot_name]).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });
  return { database, admin: () => admin as pg.Client, src: () => src as pg.Client };
}

const KILL_CHILD = fileURLToPath(new URL("./extract-kill-child.ts", import.meta.url));

/**
 * Runs one extract of `spec` (its first table, or the source task of `source`) in a child process
 * (extract-kill-child.ts) that dies by SIGKILL: from the test once `when` is true of its log so far, or by its own
 * hand at fault point `point` after passing it `skip` times (`SMELTER_FAULT_POINT`, src/warehouse/fault.ts).
 * Asserts that it died so; returns its log.
 */
export async function killedExtract(
  spec: PipelineSpec,
  kill: { when: (log: string) => boolean } | { point: string; skip?: number },
  source?: string,
): Promise<string> {
  const fault =
    "point" in kill ? { SMELTER_FAULT_POINT: kill.point, SMELTER_FAULT_SKIP: String(kill.skip ?? 0) } : {};
  const args = [KILL_CHILD, JSON.stringify(spec), ...(source ? [source] : [])];
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, ...fault },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  let log = "";
  let killed = false;
  child.stderr.on("data", (chunk: Buffer) => {
    log += chunk.toString();
    if (!killed && "when" in kill && kill.when(log)) {
      killed = true;
      child.kill("SIGKILL");
    }
  });
  assert.equal(await exited, "SIGKILL", `the child ended before it was killed:\n${log}`);
  return log;
}

/** A pipeline landing one table of MariaDB (or `server`; the table spec's defaults, then `over`), into a local directory by default. */
export function mariadbSpec(
  table: string,
  options: { landing?: "local" | "s3"; over?: Partial<TableSpec>; server?: MysqlServer } = {},
): Promise<PipelineSpec> {
  const server = options.server ?? MARIADB;
  return pipelineSpec(uniqueName("p"), [tableSpec({ name: table, ...options.over })], {
    source: server.kind,
    urlEnv: server.urlEnv,
    landing: options.landing ?? "local",
  });
}

/** A pipeline landing `table` from MariaDB into a local directory in parts of 5000 rows. */
export function localPartsSpec(table: string): Promise<PipelineSpec> {
  return mariadbSpec(table, { over: { fileRows: 5000 } });
}

/** A pipeline reading `source` (a mysql:// or postgres:// URL variable) into a landing zone. */
export async function pipelineSpec(
  name: string,
  tables: TableSpec[],
  options: { source: "mariadb" | "mysql" | "postgres"; urlEnv: string; landing: "local" | "s3" },
): Promise<PipelineSpec> {
  const landing =
    options.landing === "local"
      ? { kind: "local" as const, path: await mkdtemp(join(tmpdir(), "smelter-land-")), prefix: "landing" }
      : {
          kind: "s3" as const,
          bucket: { env: "SMELTER_S3_BUCKET" },
          prefix: `test/${name}`,
          region: "us-east-1",
          endpoint: { env: "SMELTER_S3_ENDPOINT" },
          accessKeyId: { env: "TEST_S3_KEY" },
          secretAccessKey: { env: "TEST_S3_SECRET" },
        };
  return {
    version: 1,
    name,
    connections: {
      src: { kind: options.source, url: { env: options.urlEnv }, timezone: "+00:00", maxConnections: 2 },
      landing,
    },
    warehouse: "src",
    landing: "landing",
    bronzeSchema: `${name}_bronze`,
    silverSchema: `${name}_silver`,
    tables,
    silver: [],
    airflow: airflowSettings("test"),
    notifications: [],
  };
}

/** The state database of the stack (`SMELTER_STATE_URL`), for extract's watermarks. */
const state = standaloneState(process.env, "smelter-test");

/** An execution context collecting log lines. */
export function context(
  spec: PipelineSpec,
  signal = new AbortController().signal,
): ExecutionContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    executionId: uniqueName("ex"),
    pipeline: { spec, file: "test.yaml", hash: "0" },
    log: {
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    },
    signal,
    env: { ...process.env, TEST_S3_KEY: "smelter", TEST_S3_SECRET: "smelter-secret" },
    watermarks: state.watermarks,
    lines,
  };
}

/** Reads landed parquet files back with DuckDB as JSON-able rows (values cast to text for exact comparison). */
export async function readParquet(
  zone: LandingZone,
  keys: string[],
  orderBy: string,
): Promise<Record<string, unknown>[]> {
  const dir = await mkdtemp(join(tmpdir(), "smelter-read-"));
  const files: string[] = [];
  for (const [i, key] of keys.entries()) {
    const path = join(dir, `f${i}.parquet`);
    await zone.getFile(key, path);
    files.push(path);
  }
  if (files.length === 0) return [];
  const con = await (await DuckDBInstance.create(":memory:")).connect();
  const list = files.map((f) => `'${f}'`).join(", ");
  const reader = await con.runAndReadAll(`SELECT * FROM read_parquet([${list}]) ORDER BY ${orderBy}`);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** pyarrow lives in a venv provided by scripts/test (or made here on first use). */
const PYARROW_VERSION = "21.0.0";
const PYARROW_VENV = join(homedir(), ".cache", "smelter", "venvs", `pyarrow-${PYARROW_VERSION}`);

function pyarrowPython(): string {
  const python = join(PYARROW_VENV, "bin", "python");
  if (!existsSync(python)) {
    execFileSync("python3", ["-m", "venv", PYARROW_VENV]);
    execFileSync(join(PYARROW_VENV, "bin", "pip"), ["install", "-q", `pyarrow==${PYARROW_VERSION}`]);
  }
  return python;
}

/** Prints a parquet file's arrow types and its rows (bytes as hex, everything else as str) as JSON. */
const PYARROW_READ = `
import json, sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
out = {"types": {f.name: str(f.type) for f in t.schema}, "rows": []}
for row in t.to_pylist():
    out["rows"].append({k: (v.hex() if isinstance(v, bytes) else str(v) if v is not None else None) for k, v in row.items()})
print(json.dumps(out))
`;

/** The landing zone of a pipeline made by pipelineSpec, opened with the test's S3 keys. */
export function landingZone(spec: PipelineSpec): LandingZone {
  return openLandingZone(resolveLanding(spec, "landing", context(spec).env));
}

/** Every manifest of `table`, in landing order. */
export async function manifests(spec: PipelineSpec, table: string): Promise<BatchManifest[]> {
  const out: BatchManifest[] = [];
  for await (const m of listManifests(landingZone(spec), spec.name, table)) out.push(m);
  return out;
}

/** A batch's rows read back with DuckDB, ordered by id. */
export function landedRows(spec: PipelineSpec, m: BatchManifest): Promise<Record<string, unknown>[]> {
  return readParquet(
    landingZone(spec),
    m.files.map((f) => f.key),
    "id",
  );
}

/** What pyarrow reads from a parquet file: arrow types by column and rows with every value as a string. */
export interface PyarrowRead {
  types: Record<string, string>;
  rows: Record<string, string | null>[];
}

/** Reads a file of a local landing zone with pyarrow, the reader most parquet consumers use. */
export function readWithPyarrow(zone: LandingZone, key: string | undefined): PyarrowRead {
  const file = `${fileURLToPath(zone.url)}/${key}`;
  return JSON.parse(execFileSync(pyarrowPython(), ["-c", PYARROW_READ, file], { encoding: "utf8" }));
}
