import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { unlessMissing } from "../describe.ts";
import type { WarehouseQuery, WarehouseState } from "../types.ts";
import { SparkClient } from "./client.ts";
import { meta } from "./metadata.ts";
import { literal, qualified } from "./sql.ts";
import { isMissing } from "./tables.ts";

/**
 * Read-only look at a pipeline's Delta warehouse for the web pages and the demo: the `_smelter` records (bronze
 * commits and applied batches, silver checkpoints) and exact row counts (Delta keeps a table's row count in its
 * log, so count(*) reads no data files). Nothing is created: before the first bronze run everything is absent.
 * A connection is opened per call: opening a Thrift session costs milliseconds next to Spark's queries.
 */

const optional = <T>(read: () => Promise<T>, fallback: T) => unlessMissing(read, fallback, isMissing);

/** A timestamp as the session prints it (`yyyy-MM-dd HH:mm:ss[.f]`, UTC) in ISO 8601; null stays null. */
function isoTime(at: string | null | undefined): string | null {
  return at ? new Date(`${at.replace(" ", "T")}Z`).toISOString() : null;
}

async function describeWith(client: SparkClient, q: WarehouseQuery): Promise<WarehouseState> {
  const pipeline = literal(q.pipeline);
  const tables = await optional(
    () =>
      // A commit may be recorded more than once (metadata.ts `BronzeLedger`): one row per commit first.
      client.query(`SELECT table_name, max(version) AS version, max(at) AS at, sum(size(batch_ids)) AS batches,
          max(array_max(batch_ids)) AS last,
          sum(aggregate(batch_rows, 0L, (a, x) -> a + x)) AS rows
        FROM (SELECT table_name, seq, first(version) AS version, min(committed_at) AS at,
            first(batch_ids) AS batch_ids, first(batch_rows) AS batch_rows
          FROM ${meta("bronze_commits")} WHERE pipeline = ${pipeline} GROUP BY table_name, seq)
        GROUP BY table_name`),
    [],
  );
  const models = await optional(
    () =>
      client.query(`SELECT model, max_by(version, seq) AS version, max(updated_at) AS at
        FROM ${meta("silver_commits")} WHERE pipeline = ${pipeline} GROUP BY model`),
    [],
  );
  const count = async (schema: string, name: string) =>
    q.rowCounts === false
      ? null
      : optional(async () => {
          const rows = await client.query(`SELECT count(*) AS n FROM ${qualified(schema, name)}`);
          return { rows: Number(rows[0]?.n ?? 0), estimate: false };
        }, null);
  const state: WarehouseState = { tables: new Map(), models: new Map() };
  for (const table of q.tables) {
    const t = tables.find((r) => r.table_name === table);
    if (!t) continue;
    state.tables.set(table, {
      version: Number(t.version ?? 0),
      committedAt: isoTime(t.at),
      lastBatch: t.last ? String(t.last) : null,
      batches: Number(t.batches ?? 0),
      appliedRows: Number(t.rows ?? 0),
      rows: await count(q.bronzeSchema, table),
    });
  }
  for (const model of q.models) {
    const m = models.find((r) => r.model === model);
    if (!m) continue;
    state.models.set(model, {
      checkpoint: Number(m.version ?? 0),
      updatedAt: isoTime(m.at),
      rows: await count(q.silverSchema, model),
    });
  }
  return state;
}

/** The pipeline's state within `timeoutMs` (the session's timestamps are UTC). */
export async function describe(
  db: ResolvedDatabase,
  q: WarehouseQuery,
  timeoutMs: number,
): Promise<WarehouseState> {
  const client = await SparkClient.connect(db);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${client.where}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return await Promise.race([describeWith(client, q), timeout]);
  } finally {
    clearTimeout(timer);
    await client.close();
  }
}
