import type { ClientBase } from "pg";
import type { BronzeLoad, StagingColumn } from "../types.ts";
import {
  comparable,
  fewLookups,
  joinOn,
  keyLookups,
  qualified,
  quoteIdent,
  quoteLiteral,
  timed,
} from "./sql.ts";
import { KEYS } from "./stage.ts";
import {
  BATCH_ID,
  type BronzeShape,
  CHANGE_TYPE,
  COMMIT_TIMESTAMP,
  COMMIT_VERSION,
  changesName,
  LOADED_AT,
  RESCUED,
} from "./tables.ts";

/**
 * How staged rows (one per key) become bronze rows and change-feed rows: the row image in bronze's types, the
 * delete predicate, and, for a bronze table that already holds rows, the classification against it
 * (insert / update / delete / unchanged) in a temp table that both the change feed and the MERGE read.
 */

export const CHANGES = "_smelter_changes";
export const KIND = "_smelter_kind";
/**
 * Bronze's row before this commit (NULLs for new keys), one column per bronze column in `oldColumns` order: the
 * change feed's pre-images and deletes come from them. Plain columns rather than one composite: forming the row
 * value and taking it apart field by field cost a third of the pre-image write.
 */
function oldColumn(i: number): string {
  return quoteIdent(`_smelter_old_${i}`);
}

/** Bronze columns a pre-image carries, in the order of the `oldColumn`s. */
function oldColumns(names: string[]): string[] {
  return [...names, BATCH_ID, LOADED_AT];
}

/**
 * Where that row is (its ctid): the MERGE finds it there instead of descending the key index again. Rows stay put
 * until COMMIT, since bronze is written only under the table's advisory lock, which this commit holds; the MERGE
 * still matches on the key too, so a row moved by anything else fails the commit instead of being missed.
 */
const TID = "_smelter_tid";

/** The predicate marking a staged row `d` as a delete (soft-delete column), or FALSE. */
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

/** A staged row `d` as bronze sees it: expressions for every bronze data column (and `_rescued_data`). */
export interface RowImage {
  /** Bronze data column names (then `_rescued_data` when bronze has it). */
  names: string[];
  exprs: string[];
  /** The staged row is a delete: soft-delete value, or its key is missing from a reconcile key set. */
  deleted: string;
}

export function rowImage(load: BronzeLoad, shape: BronzeShape): RowImage {
  const staged = new Map(load.columns.map((c) => [c.name, c]));
  const names = shape.columns.map((c) => c.name);
  const exprs = shape.columns.map((c) =>
    staged.has(c.name) ? `CAST(d.${quoteIdent(c.name)} AS ${c.type})` : `NULL::${c.type}`,
  );
  if (shape.hasRescue) {
    names.push(RESCUED);
    exprs.push(rescuedExpr(shape));
  }
  // With a key set, it is the source at the batch's snapshot: a staged row whose key is not in it is gone.
  const missing = `NOT EXISTS (SELECT 1 FROM ${KEYS} k WHERE ${joinOn("k", "d", load.table.primaryKey)})`;
  const deleted = load.keys ? `(${deleteFlag(load, staged)} OR ${missing})` : deleteFlag(load, staged);
  return { names, exprs, deleted };
}

/** Classifies the staged rows (`source`, one per key) against bronze into CHANGES. */
export async function classify(
  client: ClientBase,
  load: BronzeLoad,
  shape: BronzeShape,
  source: { table: string; rows: number },
  log: (m: string) => void,
): Promise<void> {
  const { table } = load;
  const bronze = qualified(load.schema, table.name);
  const image = rowImage(load, shape);
  const oldRow = [
    ...shape.columns.map((c) => comparable(`b.${quoteIdent(c.name)}`, c.type)),
    ...(shape.hasRescue ? [`b.${quoteIdent(RESCUED)}`] : []),
  ];
  const newRow = image.names.map((n, i) => {
    const type = shape.columns[i]?.type ?? "jsonb";
    return n === RESCUED ? (image.exprs[i] as string) : comparable(image.exprs[i] as string, type);
  });
  const del = image.deleted;
  const firstKey = `b.${quoteIdent(table.primaryKey[0] as string)}`;
  // Statistics only matter to a planner free to choose hash joins; key lookups are forced for small batches.
  const few = await fewLookups(client, source.rows, bronze);
  if (!few) await client.query(`ANALYZE ${source.table} (${table.primaryKey.map(quoteIdent).join(", ")})`);
  await timed(log, "classify against bronze", () =>
    keyLookups(client, few, () =>
      client.query(`
    CREATE TEMP TABLE ${CHANGES} ON COMMIT DROP AS
    SELECT ${image.names.map((n, i) => `${image.exprs[i]} AS ${quoteIdent(n)}`).join(", ")},
           d.${quoteIdent(BATCH_ID)}, ${oldColumns(image.names)
             .map((c, i) => `b.${quoteIdent(c)} AS ${oldColumn(i)}`)
             .join(", ")},
           b.ctid AS ${TID},
           CASE WHEN ${firstKey} IS NULL THEN CASE WHEN ${del} THEN 'ignore' ELSE 'insert' END
                WHEN ${del} THEN 'delete'
                WHEN ROW(${oldRow.join(", ")}) IS DISTINCT FROM ROW(${newRow.join(", ")}) THEN 'update'
                ELSE 'unchanged' END AS ${KIND}
      FROM ${source.table} d
      LEFT JOIN ${bronze} b ON ${joinOn("b", "d", table.primaryKey)}`),
    ),
  );
  if (load.keys) {
    // Key reconciliation: bronze keys absent from the source's key set (read in the batch's snapshot) are deletes.
    const cols = [...image.names, BATCH_ID];
    const olds = oldColumns(image.names);
    await timed(log, "bronze keys missing from the key set", () =>
      client.query(`
      INSERT INTO ${CHANGES} (${cols.map(quoteIdent).join(", ")}, ${olds.map((_, i) => oldColumn(i)).join(", ")}, ${TID}, ${KIND})
      SELECT ${[...cols, ...olds].map((c) => `b.${quoteIdent(c)}`).join(", ")}, b.ctid, 'delete' FROM ${bronze} b
       WHERE NOT EXISTS (SELECT 1 FROM ${KEYS} k WHERE ${joinOn("k", "b", table.primaryKey)})
         AND NOT EXISTS (SELECT 1 FROM ${CHANGES} x WHERE ${joinOn("x", "b", table.primaryKey)})`),
    );
  }
  if (!few || load.keys) {
    await client.query(`ANALYZE ${CHANGES} (${[...table.primaryKey.map(quoteIdent), KIND].join(", ")})`);
  }
}

/** Writes the change feed of a classified commit: pre-images and deletes (bronze's rows before), new images. */
export async function writeChangeFeed(
  client: ClientBase,
  load: BronzeLoad,
  shape: BronzeShape,
  version: number,
  log: (m: string) => void,
): Promise<void> {
  const changes = qualified(load.schema, changesName(load.table.name));
  const data = [...shape.columns.map((c) => c.name), ...(shape.hasRescue ? [RESCUED] : [])];
  const cols = [...data, BATCH_ID, LOADED_AT, CHANGE_TYPE, COMMIT_VERSION, COMMIT_TIMESTAMP]
    .map(quoteIdent)
    .join(", ");
  await timed(log, "change feed: pre-images and deletes", () =>
    client.query(
      `INSERT INTO ${changes} (${cols})
     SELECT ${oldColumns(data)
       .map((_, i) => `x.${oldColumn(i)}`)
       .join(", ")},
            CASE x.${KIND} WHEN 'update' THEN 'update_preimage' ELSE 'delete' END, $1, now()
       FROM ${CHANGES} x WHERE x.${KIND} IN ('update', 'delete')`,
      [version],
    ),
  );
  await timed(log, "change feed: new images", () =>
    client.query(
      `INSERT INTO ${changes} (${cols})
     SELECT ${[...data, BATCH_ID].map((c) => `x.${quoteIdent(c)}`).join(", ")}, now(),
            CASE x.${KIND} WHEN 'insert' THEN 'insert' ELSE 'update_postimage' END, $1, now()
       FROM ${CHANGES} x WHERE x.${KIND} IN ('insert', 'update')`,
      [version],
    ),
  );
}

/** Applies a classified commit to bronze. */
export async function merge(
  client: ClientBase,
  load: BronzeLoad,
  shape: BronzeShape,
  changed: number,
  log: (m: string) => void,
): Promise<void> {
  const bronze = qualified(load.schema, load.table.name);
  const data = [...shape.columns.map((c) => c.name), ...(shape.hasRescue ? [RESCUED] : []), BATCH_ID];
  const set = [
    ...data.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`),
    `${quoteIdent(LOADED_AT)} = now()`,
  ];
  const few = await fewLookups(client, changed, bronze);
  await timed(log, "merge into bronze", () =>
    keyLookups(client, few, () =>
      client.query(`
    MERGE INTO ${bronze} b
    USING (SELECT * FROM ${CHANGES} WHERE ${KIND} IN ('insert', 'update', 'delete')) x
       ON b.ctid = x.${TID} AND ${joinOn("b", "x", load.table.primaryKey)}
    WHEN MATCHED AND x.${KIND} = 'delete' THEN DELETE
    WHEN MATCHED THEN UPDATE SET ${set.join(", ")}
    WHEN NOT MATCHED THEN INSERT (${[...data, LOADED_AT].map(quoteIdent).join(", ")})
      VALUES (${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, now())`),
    ),
  );
}
