import type { ClientBase } from "pg";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { timed } from "../timed.ts";
import { type Captured, capturing, ensureCaptureTriggers } from "./capture.ts";
import { comparable, fewLookups, joinOn, keyLookups, qualified, quoteIdent, quoteLiteral } from "./sql.ts";
import { KEYS } from "./stage.ts";
import type { StagedLoad, StagingColumn } from "./staging/types.ts";
import {
  BATCH_ID,
  type BronzeShape,
  changesName,
  ensureListPartitions,
  LOADED_AT,
  RESCUED,
} from "./tables.ts";

/**
 * How staged rows (one per key) become bronze rows: the row image in bronze's types, the delete predicate, and,
 * for a table that already exists, the MERGE that applies them with capture on (see capture.ts), so that the
 * change feed is written from the rows the MERGE itself changed.
 */

/** The staged row's delete predicate, as a column of the MERGE's source. */
const DELETED = "_smelter_deleted";

/** The predicate marking a staged row `d` as a delete (soft-delete column), or FALSE. */
function deleteFlag(load: StagedLoad, staged: Map<string, StagingColumn>): string {
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

export function rowImage(load: StagedLoad, shape: BronzeShape): RowImage {
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
  const flag = deleteFlag(load, staged);
  // A change read from a log carries its operation.
  const logged = staged.has(CHANGE_COLUMNS.op)
    ? `(d.${quoteIdent(CHANGE_COLUMNS.op)} = 'delete' OR ${flag})`
    : flag;
  const deleted = load.keys ? `(${logged} OR ${missing})` : logged;
  return { names, exprs, deleted };
}

/** What applying staged rows to an existing bronze table did. */
export interface Applied extends Captured {
  /** Staged rows that changed nothing: identical to bronze, or deletes of keys bronze never held. */
  unchanged: number;
}

/**
 * Applies the staged rows (`source`, one per key) to a bronze table that exists, with capture on under
 * `version`: one MERGE deletes, updates (only rows that differ, `IS DISTINCT FROM`) and inserts, and with a
 * reconcile key set a DELETE removes the bronze keys missing from it.
 *
 * A partitioned table takes its updates in a plain UPDATE before the MERGE: a MERGE update that moves a row to
 * another partition reaches the transition tables as an insert alone, without its old row (seen on PostgreSQL
 * 15.18), while UPDATE records both images.
 */
export async function applyChanges(
  client: ClientBase,
  load: StagedLoad,
  shape: BronzeShape,
  source: { table: string; rows: number },
  version: number,
  log: (m: string) => void,
): Promise<Applied> {
  const { schema, table } = load;
  const bronze = qualified(schema, table.name);
  const image = rowImage(load, shape);
  const data = [...image.names, BATCH_ID];
  const rows = `(SELECT ${image.exprs.map((e, i) => `${e} AS ${quoteIdent(image.names[i] as string)}`).join(", ")},
       d.${quoteIdent(BATCH_ID)}, ${image.deleted} AS ${DELETED} FROM ${source.table} d)`;
  if (table.partitionBy?.kind === "list") {
    await ensureListPartitions(
      client,
      schema,
      table.name,
      table.partitionBy.column,
      `(SELECT * FROM ${rows} s WHERE NOT s.${DELETED}) s`,
    );
  }
  // A row differs by its data: the log order and operation a row of a cdc table carries say where it came from,
  // not what it holds (a re-sync's identical rows stay as they are).
  const bookkeeping = new Set<string>(Object.values(CHANGE_COLUMNS));
  const compared = image.names.flatMap((n, i) =>
    bookkeeping.has(n) ? [] : [{ name: n, type: shape.columns[i]?.type ?? "jsonb" }],
  );
  const oldRow = compared.map((c) => comparable(`b.${quoteIdent(c.name)}`, c.type));
  const newRow = compared.map((c) => comparable(`x.${quoteIdent(c.name)}`, c.type));
  const differs = `ROW(${oldRow.join(", ")}) IS DISTINCT FROM ROW(${newRow.join(", ")})`;
  const set = [
    ...data.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`),
    `${quoteIdent(LOADED_AT)} = now()`,
  ];
  const on = joinOn("b", "x", table.primaryKey);
  const separateUpdate = table.partitionBy !== undefined;
  const few = await fewLookups(client, source.rows, bronze);
  // Statistics only matter to a planner free to choose hash joins; key lookups are forced for small batches.
  if (!few) await client.query(`ANALYZE ${source.table} (${table.primaryKey.map(quoteIdent).join(", ")})`);
  await ensureCaptureTriggers(client, bronze);
  const target = {
    table: bronze,
    version,
    feed: table.bronze.changeFeed ? qualified(schema, changesName(table.name)) : null,
  };
  const merged = await capturing(client, target, () =>
    timed(log, "merge into bronze", () =>
      keyLookups(client, few, async () => {
        const updated = separateUpdate
          ? await client.query(`UPDATE ${bronze} b SET ${set.join(", ")} FROM ${rows} x
            WHERE ${on} AND NOT x.${DELETED} AND ${differs}`)
          : { rowCount: 0 };
        const merged = await client.query(`
    MERGE INTO ${bronze} b USING ${rows} x ON ${on}
    WHEN MATCHED AND x.${DELETED} THEN DELETE
    ${separateUpdate ? "" : `WHEN MATCHED AND ${differs} THEN UPDATE SET ${set.join(", ")}`}
    WHEN NOT MATCHED AND NOT x.${DELETED} THEN INSERT (${[...data, LOADED_AT].map(quoteIdent).join(", ")})
      VALUES (${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, now())`);
        return (updated.rowCount ?? 0) + (merged.rowCount ?? 0);
      }),
    ),
  );
  const unchanged = source.rows - merged.inserted - merged.updated - merged.deleted;
  if (!load.keys) return { ...merged, unchanged };
  // Key reconciliation: bronze keys absent from the source's key set (read in the batch's snapshot) are deletes.
  const missing = await capturing(client, target, () =>
    timed(log, "delete bronze keys missing from the key set", async () => {
      const deleted = await client.query(`DELETE FROM ${bronze} b
        WHERE NOT EXISTS (SELECT 1 FROM ${KEYS} k WHERE ${joinOn("k", "b", table.primaryKey)})
          AND NOT EXISTS (SELECT 1 FROM ${source.table} d WHERE ${joinOn("d", "b", table.primaryKey)})`);
      return deleted.rowCount ?? 0;
    }),
  );
  return { ...merged, deleted: merged.deleted + missing.deleted, unchanged };
}
