import { after } from "node:test";
import type mysql from "mysql2/promise";
import pg from "pg";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { silver } from "../../../src/executors/silver.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { context } from "./extract-helpers.ts";

/*
 * A MariaDB table carried through to silver on the stack's PostgreSQL warehouse: the spec, bronze and silver run
 * in this process, and a row-by-row comparison of the source table with its silver model (id, payload, updated_at).
 */

/** The silver model of `table`: id, payload and updated_at, keyed by id. */
export const flatModel = (table: string) => `${table}_flat`;

/** `base` (a MariaDB pipeline of one table with id, payload, updated_at) with the warehouse and a silver model. */
export function withWarehouse(base: PipelineSpec, table: string): PipelineSpec {
  return {
    ...base,
    connections: {
      ...base.connections,
      wh: { kind: "postgres", url: { env: "SMELTER_WAREHOUSE_URL" }, timezone: "+00:00", maxConnections: 2 },
    },
    warehouse: "wh",
    silver: [
      {
        name: flatModel(table),
        from: table,
        key: ["id"],
        includeAll: false,
        freshness: { warnAfterSeconds: null, errorAfterSeconds: null },
        columns: [
          { name: "id", from: "id" },
          { name: "payload", from: "payload" },
          { name: "updated_at", from: "updated_at" },
        ],
        scd: 1,
      },
    ],
  };
}

/** A pool on the stack's warehouse, closed after the suite, which also drops the schemas of `specs()`. */
export function warehousePool(specs: () => (PipelineSpec | undefined)[]): pg.Pool {
  const pool = new pg.Pool({ connectionString: process.env.SMELTER_WAREHOUSE_URL, max: 2 });
  after(async () => {
    for (const spec of specs()) {
      if (!spec) continue;
      await pool.query(`DROP SCHEMA IF EXISTS "${spec.bronzeSchema}" CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS "${spec.silverSchema}" CASCADE`);
    }
    await pool.end();
  });
  return pool;
}

/** Bronze, then the silver model, in this process. */
export async function bronzeAndSilver(spec: PipelineSpec, table: string): Promise<void> {
  await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
  await silver({ pipeline: spec.name, step: "silver", table: flatModel(table) }, context(spec));
}

type TextRow = { id: number; payload: string | null; t: string };
const text = (r: TextRow) => `${r.payload}|${r.t}`;

/** Ids whose row differs between the source table and a warehouse table (missing on either side included). */
export async function differences(
  source: mysql.Connection,
  warehouse: pg.Pool,
  table: string,
  qualified: string,
): Promise<number[]> {
  const [rows] = await source.query(
    `SELECT id, payload, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS t FROM ${table}`,
  );
  const target = await warehouse.query<TextRow>(
    `SELECT id, payload, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') AS t FROM ${qualified}`,
  );
  const there = new Map(target.rows.map((r) => [Number(r.id), text(r)]));
  const diff: number[] = [];
  for (const r of rows as TextRow[]) {
    if (there.get(r.id) !== text(r)) diff.push(r.id);
    there.delete(r.id);
  }
  return [...diff, ...there.keys()].sort((a, b) => a - b);
}

/** Differences of the source table with bronze and with silver. */
export async function bothDifferences(
  source: mysql.Connection,
  warehouse: pg.Pool,
  spec: PipelineSpec,
  table: string,
): Promise<{ bronze: number[]; silver: number[] }> {
  return {
    bronze: await differences(source, warehouse, table, `"${spec.bronzeSchema}"."${table}"`),
    silver: await differences(source, warehouse, table, `"${spec.silverSchema}"."${flatModel(table)}"`),
  };
}

/** The change feed of a bronze table after `version`: change type and id, by id; and its newest version. */
export async function changesAfter(
  warehouse: pg.Pool,
  spec: PipelineSpec,
  table: string,
  version: number,
): Promise<{ changes: string[]; version: number }> {
  const feed = `"${spec.bronzeSchema}"."${table}__changes"`;
  const { rows } = await warehouse.query<{ c: string }>(
    `SELECT _change_type || ' ' || id AS c FROM ${feed} WHERE _commit_version > $1 ORDER BY id, _change_type`,
    [version],
  );
  const newest = await warehouse.query<{ v: number }>(
    `SELECT coalesce(max(_commit_version), 0)::int AS v FROM ${feed}`,
  );
  return { changes: rows.map((r) => r.c), version: newest.rows[0]?.v ?? 0 };
}
