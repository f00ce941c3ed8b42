import type { ClientBase } from "pg";
import { silverMisfitError } from "../fits.ts";
import { UPDATED, V } from "../silver-table.ts";
import { timed } from "../timed.ts";
import type { SilverTarget } from "../types.ts";
import { alterType, firstMisfit } from "./fits.ts";
import type { ProjectedColumn } from "./projection.ts";
import { analyzeKey, comparable, fewLookups, joinOn, keyLookups, qualified, quoteIdent } from "./sql.ts";
import { CHANGE_TYPE, COMMIT_TIMESTAMP, COMMIT_VERSION, tableColumns } from "./tables.ts";

/**
 * How change rows become silver rows: projection through the model, then a plain INSERT into an empty silver
 * table, or a classification and MERGE (SCD1) / close-and-open (SCD2) against one holding rows.
 */

const PROJ = "_smelter_proj";

/** What merging a set of change rows did. */
export interface MergeCounts {
  rowsRead: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/**
 * Whether the model's key is the bronze key copied unchanged, so rows unique per bronze key are unique per model
 * key too and need no second reduction.
 */
function keyedByBronzeKey(target: SilverTarget): boolean {
  const { model, table } = target;
  return table.primaryKey.every((k) =>
    model.columns.some((c) => "from" in c && c.from === k && !c.type && model.key.includes(c.name)),
  );
}

/**
 * The model's rows over `source` (rows shaped like the change feed, one per bronze key): projected columns, the
 * change's version and timestamp, and whether the row leaves silver (a delete, or failing `where`). Reduced to
 * the last change per model key unless the model is keyed by the bronze key.
 */
function projection(target: SilverTarget, cols: ProjectedColumn[], source: string): string {
  const keep = target.model.where ? `coalesce((${target.model.where}), false)` : "TRUE";
  const select = `SELECT ${cols.map((c) => `${c.expr} AS ${quoteIdent(c.name)}`).join(", ")},
             ${quoteIdent(COMMIT_VERSION)} AS _smelter_v, ${quoteIdent(COMMIT_TIMESTAMP)} AS _smelter_ts,
             (${quoteIdent(CHANGE_TYPE)} = 'delete' OR NOT ${keep}) AS _smelter_del
        FROM ${source}`;
  if (keyedByBronzeKey(target)) return select;
  const key = target.model.key.map(quoteIdent).join(", ");
  return `SELECT DISTINCT ON (${key}) * FROM (${select}) p ORDER BY ${key}, _smelter_v DESC`;
}

/** Inserts the projected rows that stay in silver into an empty silver table; returns how many. */
async function insertAll(
  client: ClientBase,
  target: SilverTarget,
  cols: ProjectedColumn[],
  silver: string,
  rows: string,
): Promise<number> {
  const names = cols.map((c) => quoteIdent(c.name));
  const scd2 = target.model.scd === 2;
  const history = scd2 ? ["valid_from", "valid_to", "is_current"] : [];
  const opened = scd2 ? ["p._smelter_ts", "NULL", "true"] : [];
  const result = await client.query(`
    INSERT INTO ${silver} (${[...names, ...history, quoteIdent(V), quoteIdent(UPDATED)].join(", ")})
    SELECT ${[...names.map((n) => `p.${n}`), ...opened].join(", ")}, p._smelter_v, now()
      FROM (${rows}) p WHERE NOT p._smelter_del`);
  return result.rowCount ?? 0;
}

/** Merges PROJ (`rows` rows) into a silver table holding rows. */
async function mergeProjected(
  client: ClientBase,
  target: SilverTarget,
  cols: ProjectedColumn[],
  silver: string,
  rows: number,
): Promise<MergeCounts> {
  const scd2 = target.model.scd === 2;
  const on = joinOn("t", "p", target.model.key) + (scd2 ? " AND t.is_current" : "");
  const differs = `ROW(${cols.map((c) => comparable(`t.${quoteIdent(c.name)}`, c.type)).join(", ")}) IS DISTINCT FROM ROW(${cols.map((c) => comparable(`p.${quoteIdent(c.name)}`, c.type)).join(", ")})`;
  const firstKey = `t.${quoteIdent(target.model.key[0] as string)}`;
  const few = await fewLookups(client, rows, silver);
  // Statistics only matter to a planner free to choose hash joins; key lookups are forced for small batches.
  if (!few) await client.query(`ANALYZE ${PROJ} (${target.model.key.map(quoteIdent).join(", ")})`);
  return keyLookups(client, few, async () => {
    const counted = await client.query(`
      SELECT count(*) FILTER (WHERE ${firstKey} IS NULL AND NOT p._smelter_del) AS ins,
             count(*) FILTER (WHERE ${firstKey} IS NOT NULL AND p._smelter_del) AS del,
             count(*) FILTER (WHERE ${firstKey} IS NOT NULL AND NOT p._smelter_del AND ${differs}) AS upd
        FROM ${PROJ} p LEFT JOIN ${silver} t ON ${on}`);
    const r = counted.rows[0];
    const counts = { inserted: Number(r.ins), updated: Number(r.upd), deleted: Number(r.del) };
    const names = cols.map((c) => quoteIdent(c.name));
    const values = names.map((n) => `p.${n}`);
    if (!scd2) {
      await client.query(`
        MERGE INTO ${silver} t USING ${PROJ} p ON ${on}
        WHEN MATCHED AND p._smelter_del THEN DELETE
        WHEN MATCHED AND ${differs} THEN
          UPDATE SET ${names.map((n) => `${n} = p.${n}`).join(", ")}, ${quoteIdent(V)} = p._smelter_v, ${quoteIdent(UPDATED)} = now()
        WHEN NOT MATCHED AND NOT p._smelter_del THEN
          INSERT (${[...names, quoteIdent(V), quoteIdent(UPDATED)].join(", ")}) VALUES (${values.join(", ")}, p._smelter_v, now())`);
    } else {
      await client.query(`
        UPDATE ${silver} t SET valid_to = p._smelter_ts, is_current = false, ${quoteIdent(UPDATED)} = now()
          FROM ${PROJ} p WHERE ${on} AND (p._smelter_del OR ${differs})`);
      await client.query(`
        INSERT INTO ${silver} (${[...names, "valid_from", "valid_to", "is_current", quoteIdent(V), quoteIdent(UPDATED)].join(", ")})
        SELECT ${values.join(", ")}, p._smelter_ts, NULL, true, p._smelter_v, now() FROM ${PROJ} p
         WHERE NOT p._smelter_del AND NOT EXISTS (SELECT 1 FROM ${silver} t WHERE ${on})`);
    }
    const changed = counts.inserted + counts.updated + counts.deleted;
    return { rowsRead: rows, ...counts, unchanged: rows - changed };
  });
}

/**
 * A silver table keeps the types it was built with; a bronze column widened since (by hand, after a type changed at
 * the source) gives projected values its narrower column may not hold unchanged: a DataError names it (fits.ts).
 * Rows leaving silver write no value and are not read.
 */
async function checkProjectedFit(client: ClientBase, target: SilverTarget): Promise<void> {
  const { silverSchema, model } = target;
  const misfit = await firstMisfit(
    client,
    PROJ,
    (await tableColumns(client, silverSchema, model.name)) ?? [],
    `silver table ${silverSchema}.${model.name}`,
    { key: model.key, rows: "NOT _smelter_del" },
  );
  if (!misfit) return;
  const remedy = misfit.kindChanged ? "give it the new type" : "widen it";
  throw silverMisfitError(
    target,
    misfit,
    `${remedy} (${alterType(qualified(silverSchema, model.name), misfit)}) and run the model again`,
  );
}

/**
 * Merges `source` (rows shaped like the change feed, one per bronze key) into silver. An empty silver table takes
 * the rows with one INSERT; when the caller also knows how many rows the source holds (`known`) and the model
 * needs no reduction, the projection is not even materialized.
 */
export async function mergeSource(
  client: ClientBase,
  target: SilverTarget,
  cols: ProjectedColumn[],
  silver: string,
  source: string,
  known: number | null,
  log: (m: string) => void,
): Promise<MergeCounts> {
  const empty = (await client.query(`SELECT NOT EXISTS (SELECT 1 FROM ${silver}) AS empty`)).rows[0].empty;
  const fresh = async (rowsRead: number, inserted: number): Promise<MergeCounts> => {
    // Statistics on the key, so that the next run's join looks keys up instead of scanning the new rows.
    await timed(log, "analyze silver key", () => analyzeKey(client, silver, target.model.key));
    return { rowsRead, inserted, updated: 0, deleted: 0, unchanged: rowsRead - inserted };
  };
  if (empty && known !== null && keyedByBronzeKey(target)) {
    const rows = projection(target, cols, source);
    const inserted = await timed(log, "insert into empty silver", () =>
      insertAll(client, target, cols, silver, rows),
    );
    return fresh(known, inserted);
  }
  const projected = await timed(log, "project changes", () =>
    client.query(`CREATE TEMP TABLE ${PROJ} ON COMMIT DROP AS ${projection(target, cols, source)}`),
  );
  const rows = projected.rowCount ?? 0;
  await checkProjectedFit(client, target);
  if (empty) {
    const inserted = await timed(log, "insert into empty silver", () =>
      insertAll(client, target, cols, silver, `SELECT * FROM ${PROJ}`),
    );
    return fresh(rows, inserted);
  }
  return timed(log, "merge into silver", () => mergeProjected(client, target, cols, silver, rows));
}
