import type pg from "pg";
import { hostTarget, pgPool } from "../../db/pg.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { unlessMissing } from "../describe.ts";
import type { RowCount, WarehouseQuery, WarehouseState } from "../types.ts";
import { quoteIdent as quote } from "./sql.ts";

/**
 * Read-only look at a pipeline's warehouse for the web pages and the demo: the `_smelter` bookkeeping (commit
 * versions, applied batches, silver checkpoints) and row counts. Nothing is created: before the first bronze run
 * the metadata schema does not exist and every table reads as "not yet".
 */

/** Tables with more rows than this (by the planner's estimate) show the estimate instead of a count(*). */
const EXACT_COUNT_LIMIT = 2_000_000;

const MISSING = new Set(["42P01", "3F000"]);
const isMissing = (error: unknown): boolean => MISSING.has(String((error as { code?: unknown }).code));

/** Small pools kept per warehouse so that a page does not pay for a new connection each time. */
const pools = new Map<string, pg.Pool>();

function poolFor(db: ResolvedDatabase, timeoutMs: number): pg.Pool {
  const key = `${db.user}@${db.host}:${db.port}/${db.database}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = pgPool(hostTarget(db), {
      application: "smelter-ui",
      max: 2,
      idleTimeoutMs: 30_000,
      connectTimeoutMs: timeoutMs,
      statementTimeoutMs: timeoutMs,
    });
    pools.set(key, pool);
  }
  return pool;
}

const optional = <T>(read: () => Promise<T>, fallback: T) => unlessMissing(read, fallback, isMissing);

/** The pipeline's state, read over a small pool kept per warehouse (see `releasePools`). */
export async function describePooled(
  db: ResolvedDatabase,
  q: WarehouseQuery,
  timeoutMs: number,
): Promise<WarehouseState> {
  const client = await poolFor(db, timeoutMs).connect();
  try {
    /** The rows of a query about the pipeline's records (`$1`); none before the metadata schema exists. */
    const records = <R extends pg.QueryResultRow>(sql: string) =>
      optional(async () => (await client.query<R>(sql, [q.pipeline])).rows, []);
    const commits = await records<{ table_name: string; version: string; at: Date }>(
      `SELECT table_name, max(version)::text AS version, max(committed_at) AS at
         FROM _smelter.commit_versions WHERE pipeline = $1 GROUP BY table_name`,
    );
    const batches = await records<{ table_name: string; batches: string; rows: string; last: string }>(
      `SELECT table_name, count(*)::text AS batches, coalesce(sum(rows), 0)::text AS rows, max(batch_id) AS last
         FROM _smelter.bronze_batches WHERE pipeline = $1 GROUP BY table_name`,
    );
    const checkpoints = await records<{ model: string; version: string; updated_at: Date }>(
      "SELECT model, version::text AS version, updated_at FROM _smelter.silver_checkpoints WHERE pipeline = $1",
    );
    const estimates = new Map(
      (
        await client.query<{ schema: string; name: string; estimate: number }>(
          `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS estimate
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p')`,
          [[q.bronzeSchema, q.silverSchema]],
        )
      ).rows.map((r) => [`${r.schema}.${r.name}`, r.estimate]),
    );
    const countRows = async (schema: string, name: string): Promise<RowCount | null> => {
      if (q.rowCounts === false) return null;
      const estimate = estimates.get(`${schema}.${name}`);
      if (estimate === undefined) return null;
      if (estimate > EXACT_COUNT_LIMIT) return { rows: Math.round(estimate), estimate: true };
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${quote(schema)}.${quote(name)}`,
      );
      return { rows: Number(rows[0]?.n ?? 0), estimate: false };
    };
    const state: WarehouseState = { tables: new Map(), models: new Map() };
    for (const table of q.tables) {
      const c = commits.find((r) => r.table_name === table);
      const b = batches.find((r) => r.table_name === table);
      if (!c && !b) continue;
      state.tables.set(table, {
        version: c ? Number(c.version) : 0,
        committedAt: c ? c.at.toISOString() : null,
        lastBatch: b?.last ?? null,
        batches: b ? Number(b.batches) : 0,
        appliedRows: b ? Number(b.rows) : 0,
        rows: await countRows(q.bronzeSchema, table),
      });
    }
    for (const model of q.models) {
      const cp = checkpoints.find((r) => r.model === model);
      if (!cp) continue;
      state.models.set(model, {
        checkpoint: Number(cp.version),
        updatedAt: cp.updated_at.toISOString(),
        rows: await countRows(q.silverSchema, model),
      });
    }
    return state;
  } finally {
    client.release();
  }
}

/** Closes the pools (service shutdown, tests). */
export async function releasePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}
