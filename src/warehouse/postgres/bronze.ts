import { createReadStream } from "node:fs";
import { pipeline as pump } from "node:stream/promises";
import type { ClientBase } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { TransientError } from "../../errors.ts";
import {
  type BronzeLoad,
  type BronzeResult,
  type FaultHook,
  STAGING_META,
  type StagingColumn,
} from "../types.ts";
import * as meta from "./metadata.ts";
import { comparable, joinOn, lockSql, qualified, quoteIdent, quoteLiteral, sqlType } from "./sql.ts";
import {
  BATCH_ID,
  type BronzeShape,
  CHANGE_TYPE,
  COMMIT_TIMESTAMP,
  COMMIT_VERSION,
  changesName,
  ensureListPartitions,
  LOADED_AT,
  prepareBronze,
  RESCUED,
} from "./tables.ts";

/**
 * One bronze commit, in one transaction: stage the batches' rows (COPY), keep the latest row per key (cursor,
 * then landing order), classify each key against bronze (insert / update / delete / unchanged), write the change
 * feed, MERGE, and checkpoint the batches with the new version. PostgreSQL 15's MERGE has no RETURNING, so the
 * changes are classified into a temporary table first and both the change feed and the MERGE read from it.
 */

const STAGE = "_smelter_stage";
const KEYS = "_smelter_keys";
const CHANGES = "_smelter_changes";
const KIND = "_smelter_kind";

async function copyInto(client: ClientBase, table: string, columns: string[], file: string): Promise<void> {
  const sql = `COPY ${table} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FORMAT csv)`;
  await pump(createReadStream(file), client.query(copyFrom(sql)));
}

async function stage(client: ClientBase, load: BronzeLoad): Promise<void> {
  const where = `bronze table ${load.schema}.${load.table.name}`;
  const defs = [
    ...load.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.type, `${where} column ${c.name}`)}`),
    `${quoteIdent(STAGING_META[0])} text`,
    `${quoteIdent(STAGING_META[1])} integer`,
    `${quoteIdent(STAGING_META[2])} bigint`,
  ];
  await client.query(`CREATE TEMP TABLE ${STAGE} (${defs.join(", ")}) ON COMMIT DROP`);
  await copyInto(client, STAGE, [...load.columns.map((c) => c.name), ...STAGING_META], load.dataFile);
  // Statistics on the key only: enough for the join plan, a fraction of the cost of a full ANALYZE.
  await client.query(`ANALYZE ${STAGE} (${load.table.primaryKey.map(quoteIdent).join(", ")})`);
  if (load.keysFile) {
    const keyCols = load.table.primaryKey.map((k) => {
      const col = load.columns.find((c) => c.name === k);
      return `${quoteIdent(k)} ${sqlType(col?.type ?? "text", `${where} key column ${k}`)}`;
    });
    await client.query(`CREATE TEMP TABLE ${KEYS} (${keyCols.join(", ")}) ON COMMIT DROP`);
    await copyInto(client, KEYS, load.table.primaryKey, load.keysFile);
    await client.query(`ANALYZE ${KEYS} (${load.table.primaryKey.map(quoteIdent).join(", ")})`);
  }
}

/** The predicate marking a staged row as a delete (soft-delete column), or FALSE. */
function deleteFlag(load: BronzeLoad, staged: Map<string, StagingColumn>): string {
  const d = load.table.deletes;
  if (d.mode !== "soft") return "FALSE";
  const col = staged.get(d.column);
  if (!col) return "FALSE";
  let value = String(d.value);
  if (typeof d.value === "boolean" && !/^bool/i.test(col.type)) value = d.value ? "1" : "0";
  return `(d.${quoteIdent(d.column)} IS NOT DISTINCT FROM CAST(${quoteLiteral(value)} AS ${col.type}))`;
}

/** JSON of the staged columns bronze does not know (rescue mode); jsonb_build_object takes at most 100 args. */
function rescuedExpr(shape: BronzeShape): string {
  if (shape.rescued.length === 0) return "NULL::jsonb";
  const parts: string[] = [];
  for (let i = 0; i < shape.rescued.length; i += 40) {
    const pairs = shape.rescued.slice(i, i + 40).map((c) => `${quoteLiteral(c)}, d.${quoteIdent(c)}`);
    parts.push(`jsonb_build_object(${pairs.join(", ")})`);
  }
  return `nullif(jsonb_strip_nulls(${parts.join(" || ")}), '{}'::jsonb)`;
}

async function classify(
  client: ClientBase,
  load: BronzeLoad,
  shape: BronzeShape,
  bronze: string,
): Promise<void> {
  const { table } = load;
  const staged = new Map(load.columns.map((c) => [c.name, c]));
  const key = table.primaryKey.map(quoteIdent);
  const order = [
    ...table.cursor.filter((c) => staged.has(c)).map((c) => `${quoteIdent(c)} DESC NULLS LAST`),
    `${quoteIdent(STAGING_META[1])} DESC`,
    `${quoteIdent(STAGING_META[2])} DESC`,
  ];
  const image = shape.columns.map((c) =>
    staged.has(c.name) ? `CAST(d.${quoteIdent(c.name)} AS ${c.type})` : `NULL::${c.type}`,
  );
  const rescued = rescuedExpr(shape);
  const oldRow = [
    ...shape.columns.map((c) => comparable(`b.${quoteIdent(c.name)}`, c.type)),
    ...(shape.hasRescue ? [`b.${quoteIdent(RESCUED)}`] : []),
  ];
  const newRow = [
    ...shape.columns.map((c, i) => comparable(image[i] as string, c.type)),
    ...(shape.hasRescue ? [rescued] : []),
  ];
  // With a key set, it is the source at the batch's snapshot: a staged row whose key is not in it is gone.
  const missing = `NOT EXISTS (SELECT 1 FROM ${KEYS} k WHERE ${joinOn("k", "d", table.primaryKey)})`;
  const del = load.keysFile ? `(${deleteFlag(load, staged)} OR ${missing})` : deleteFlag(load, staged);
  const firstKey = `b.${key[0]}`;
  await client.query(`
    CREATE TEMP TABLE ${CHANGES} ON COMMIT DROP AS
    SELECT ${shape.columns.map((c, i) => `${image[i]} AS ${quoteIdent(c.name)}`).join(", ")},
           ${shape.hasRescue ? `${rescued} AS ${quoteIdent(RESCUED)},` : ""}
           d.${quoteIdent(BATCH_ID)},
           CASE WHEN ${firstKey} IS NULL THEN CASE WHEN ${del} THEN 'ignore' ELSE 'insert' END
                WHEN ${del} THEN 'delete'
                WHEN ROW(${oldRow.join(", ")}) IS DISTINCT FROM ROW(${newRow.join(", ")}) THEN 'update'
                ELSE 'unchanged' END AS ${KIND}
      FROM (SELECT DISTINCT ON (${key.join(", ")}) * FROM ${STAGE} ORDER BY ${[...key, ...order].join(", ")}) d
      LEFT JOIN ${bronze} b ON ${joinOn("b", "d", table.primaryKey)}`);
  if (load.keysFile) {
    // Key reconciliation: bronze keys absent from the source's key set (read in the batch's snapshot) are deletes.
    const cols = [...shape.columns.map((c) => c.name), ...(shape.hasRescue ? [RESCUED] : []), BATCH_ID];
    await client.query(`
      INSERT INTO ${CHANGES} (${[...cols, KIND].map(quoteIdent).join(", ")})
      SELECT ${cols.map((c) => `b.${quoteIdent(c)}`).join(", ")}, 'delete' FROM ${bronze} b
       WHERE NOT EXISTS (SELECT 1 FROM ${KEYS} k WHERE ${joinOn("k", "b", table.primaryKey)})
         AND NOT EXISTS (SELECT 1 FROM ${CHANGES} x WHERE ${joinOn("x", "b", table.primaryKey)})`);
  }
  await client.query(`ANALYZE ${CHANGES} (${[...table.primaryKey.map(quoteIdent), KIND].join(", ")})`);
}

async function writeChangeFeed(
  client: ClientBase,
  load: BronzeLoad,
  shape: BronzeShape,
  version: number,
): Promise<void> {
  const bronze = qualified(load.schema, load.table.name);
  const changes = qualified(load.schema, changesName(load.table.name));
  const data = [...shape.columns.map((c) => c.name), ...(shape.hasRescue ? [RESCUED] : [])];
  const cols = [...data, BATCH_ID, LOADED_AT, CHANGE_TYPE, COMMIT_VERSION, COMMIT_TIMESTAMP]
    .map(quoteIdent)
    .join(", ");
  const on = joinOn("b", "x", load.table.primaryKey);
  await client.query(
    `INSERT INTO ${changes} (${cols})
     SELECT ${[...data, BATCH_ID, LOADED_AT].map((c) => `b.${quoteIdent(c)}`).join(", ")},
            CASE x.${KIND} WHEN 'update' THEN 'update_preimage' ELSE 'delete' END, $1, now()
       FROM ${CHANGES} x JOIN ${bronze} b ON ${on} WHERE x.${KIND} IN ('update', 'delete')`,
    [version],
  );
  await client.query(
    `INSERT INTO ${changes} (${cols})
     SELECT ${[...data, BATCH_ID].map((c) => `x.${quoteIdent(c)}`).join(", ")}, now(),
            CASE x.${KIND} WHEN 'insert' THEN 'insert' ELSE 'update_postimage' END, $1, now()
       FROM ${CHANGES} x WHERE x.${KIND} IN ('insert', 'update')`,
    [version],
  );
}

async function merge(client: ClientBase, load: BronzeLoad, shape: BronzeShape): Promise<void> {
  const bronze = qualified(load.schema, load.table.name);
  const data = [...shape.columns.map((c) => c.name), ...(shape.hasRescue ? [RESCUED] : []), BATCH_ID];
  const set = [
    ...data.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`),
    `${quoteIdent(LOADED_AT)} = now()`,
  ];
  await client.query(`
    MERGE INTO ${bronze} b
    USING (SELECT * FROM ${CHANGES} WHERE ${KIND} IN ('insert', 'update', 'delete')) x
       ON ${joinOn("b", "x", load.table.primaryKey)}
    WHEN MATCHED AND x.${KIND} = 'delete' THEN DELETE
    WHEN MATCHED THEN UPDATE SET ${set.join(", ")}
    WHEN NOT MATCHED THEN INSERT (${[...data, LOADED_AT].map(quoteIdent).join(", ")})
      VALUES (${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, now())`);
}

/** Applies a group of batches to bronze; see the module comment. Throws after rolling back. */
export async function applyBronze(
  client: ClientBase,
  load: BronzeLoad,
  fault: FaultHook,
): Promise<BronzeResult> {
  const { pipeline, schema, table } = load;
  const ids = load.batches.map((b) => b.batchId);
  await client.query("BEGIN");
  try {
    const lock = lockSql(`smelter:bronze:${pipeline}:${table.name}`);
    await client.query(lock.text, lock.values);
    const done = await client.query(
      "SELECT count(*)::int AS n FROM _smelter.bronze_batches WHERE pipeline = $1 AND table_name = $2 AND batch_id = ANY($3)",
      [pipeline, table.name, ids],
    );
    const already = done.rows[0].n as number;
    if (already > 0) {
      await client.query("ROLLBACK");
      if (already === ids.length) {
        return {
          skipped: true,
          version: null,
          rowsRead: 0,
          inserted: 0,
          updated: 0,
          deleted: 0,
          unchanged: 0,
        };
      }
      throw new TransientError(
        `bronze table ${schema}.${table.name}: batches ${ids.join(", ")} were partly applied by another execution meanwhile; a retry applies the rest`,
      );
    }
    const shape = await prepareBronze(client, load);
    await stage(client, load);
    fault("bronze:after-stage");
    const bronze = qualified(schema, table.name);
    await classify(client, load, shape, bronze);
    const counts = { inserted: 0, updated: 0, deleted: 0, unchanged: 0 };
    const grouped = await client.query(
      `SELECT ${KIND} AS k, count(*)::bigint AS n FROM ${CHANGES} GROUP BY 1`,
    );
    for (const row of grouped.rows) {
      const n = Number(row.n);
      if (row.k === "insert") counts.inserted = n;
      else if (row.k === "update") counts.updated = n;
      else if (row.k === "delete") counts.deleted = n;
      else counts.unchanged += n;
    }
    const staged = await client.query(`SELECT count(*)::bigint AS n FROM ${STAGE}`);
    const changed = counts.inserted + counts.updated + counts.deleted > 0;
    const version = changed ? (await meta.currentVersion(client, pipeline, table.name)) + 1 : null;
    if (version !== null) {
      if (table.partitionBy?.kind === "list") {
        const source = `(SELECT * FROM ${CHANGES} WHERE ${KIND} IN ('insert', 'update')) s`;
        await ensureListPartitions(client, schema, table.name, table.partitionBy.column, source);
      }
      if (table.bronze.changeFeed) await writeChangeFeed(client, load, shape, version);
      await merge(client, load, shape);
    }
    const batches = load.batches.map((b) => ({ batchId: b.batchId, rows: b.rows }));
    await meta.recordBronzeCommit(client, pipeline, table.name, version, counts, batches);
    fault("bronze:after-merge");
    await client.query("COMMIT");
    return { skipped: false, version, rowsRead: Number(staged.rows[0].n), ...counts };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
