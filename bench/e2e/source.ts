import { once } from "node:events";
import { createWriteStream } from "node:fs";
import mysql from "mysql2";
import type mysqlPromise from "mysql2/promise";
import { seedDemo } from "../../src/demo/seed.ts";
import { connectDemoSource } from "../../src/demo/source.ts";

/**
 * The bench's source side: the demo data set seeded into its own MariaDB database, a 1% change round, and the
 * raw limit of reading it (mysql2 streaming, nothing else).
 */

/** A bench table: its key and the statement a change round runs on 1% of its rows. */
export interface BenchTable {
  name: string;
  key: string[];
  /** SET clause of the change round (besides updated_at); keeps types in range (followers may be 2^64-1). */
  change: string | null;
}

export const TABLES: readonly BenchTable[] = [
  { name: "network_account_types", key: ["id"], change: null },
  { name: "network_accounts", key: ["id"], change: "verified = 1 - verified" },
  { name: "posts", key: ["id"], change: "engagement_rate = engagement_rate + 0.000001" },
  { name: "daily_metrics", key: ["account_id", "metric_date"], change: "reach = reach + 1" },
];

/** The MariaDB URL of the bench database (same server and credentials as the demo's). */
export function benchSourceUrl(env: NodeJS.ProcessEnv, database: string): string {
  const base = new URL(env.SMELTER_MARIADB_URL ?? "mysql://smelter:smelter@127.0.0.1:13306/social");
  base.pathname = `/${database}`;
  return base.toString();
}

/** Creates the bench database if needed and seeds the demo data set at `scale` (skipped when already loaded). */
export async function seedBench(url: string, scale: number, log: (m: string) => void): Promise<number> {
  const server = new URL(url);
  const database = server.pathname.slice(1);
  server.pathname = "/";
  const admin = await connectDemoSource(server.toString());
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await admin.end();
  const conn = await connectDemoSource(url);
  try {
    const result = await seedDemo(conn, { scale, log });
    return Object.values(result.sizes).reduce((a, b) => a + b, 0);
  } finally {
    await conn.end();
  }
}

/** Row counts per table. */
export async function countRows(url: string): Promise<Record<string, number>> {
  const conn = await connectDemoSource(url);
  try {
    const counts: Record<string, number> = {};
    for (const t of TABLES) {
      const [rows] = await conn.query<mysqlPromise.RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM \`${t.name}\``,
      );
      counts[t.name] = Number(rows[0]?.n);
    }
    return counts;
  } finally {
    await conn.end();
  }
}

/** The largest updated_at over all bench tables: the incremental runs read what is newer. */
export async function maxCursor(url: string): Promise<string> {
  const conn = await connectDemoSource(url);
  try {
    const parts = TABLES.map((t) => `SELECT MAX(updated_at) AS m FROM \`${t.name}\``).join(" UNION ALL ");
    const [rows] = await conn.query<mysqlPromise.RowDataPacket[]>(`SELECT MAX(m) AS m FROM (${parts}) x`);
    return String(rows[0]?.m);
  } finally {
    await conn.end();
  }
}

/**
 * Changes 1% of the rows of every table but the tiny reference one: a deterministic slice per round (by a hash of
 * the key), stamped about one hour before now, so the stamps sort after every earlier round and are older than any
 * lag. Every row gets its own microsecond, as real changes would: a cursor read is inclusive (`>=`), and one shared
 * stamp would make the next run re-read the whole round.
 */
export async function changeOnePercent(url: string, round: number): Promise<Record<string, number>> {
  const conn = await connectDemoSource(url);
  try {
    const changed: Record<string, number> = {};
    for (const t of TABLES) {
      if (!t.change) continue;
      const key = t.key.map((k) => `\`${k}\``).join(", ");
      await conn.query("SET @bench_tick := 0");
      const [result] = await conn.query<mysqlPromise.ResultSetHeader>(
        `UPDATE \`${t.name}\` SET ${t.change},
                updated_at = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR + INTERVAL (@bench_tick := @bench_tick + 1) MICROSECOND
          WHERE CRC32(CONCAT_WS(':', ${key}, ?)) % 100 = 0`,
        [round],
      );
      changed[t.name] = result.affectedRows;
    }
    return changed;
  } finally {
    await conn.end();
  }
}

function streamingConnection(url: string): mysql.Connection {
  return mysql.createConnection({
    uri: url,
    charset: "utf8mb4_unicode_ci",
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: "+00:00",
  });
}

function select(table: string, after: string | null): { sql: string; values: string[] } {
  return after === null
    ? { sql: `SELECT * FROM \`${table}\``, values: [] }
    : { sql: `SELECT * FROM \`${table}\` WHERE updated_at > ?`, values: [after] };
}

/** Raw limit of reading: every row of every table (newer than `after`), streamed by mysql2 and dropped. */
export async function rawRead(url: string, after: string | null): Promise<Record<string, number>> {
  const conn = streamingConnection(url);
  try {
    const counts: Record<string, number> = {};
    for (const t of TABLES) {
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        conn
          .query({ ...select(t.name, after), rowsAsArray: true })
          .stream()
          .on("data", () => {
            n++;
          })
          .on("end", () => resolve())
          .on("error", reject);
      });
      counts[t.name] = n;
    }
    return counts;
  } finally {
    await conn.promise().end();
  }
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/** Writes the rows `rawRead` would read, one CSV per table (NULL = unquoted empty), for psql's \copy. */
export async function exportCsv(
  url: string,
  after: string | null,
  file: (table: string) => string,
): Promise<string[][]> {
  const conn = streamingConnection(url);
  const columns: string[][] = [];
  try {
    for (const t of TABLES) {
      const out = createWriteStream(file(t.name));
      const names: string[] = [];
      await new Promise<void>((resolve, reject) => {
        conn
          .query({ ...select(t.name, after), rowsAsArray: true })
          .on("fields", (fields: { name: string }[]) => names.push(...fields.map((f) => f.name)))
          .stream()
          .on("data", (row: unknown[]) => {
            if (!out.write(`${row.map(csvValue).join(",")}\n`)) conn.pause();
          })
          .on("end", () => resolve())
          .on("error", reject);
        out.on("drain", () => conn.resume());
      });
      out.end();
      await once(out, "finish");
      columns.push(names);
    }
    return columns;
  } finally {
    await conn.promise().end();
  }
}
