import type { ClientBase } from "pg";
import { ConfigError, DataError } from "../../errors.ts";
import type { SilverResult, SilverTarget, StepHooks } from "../types.ts";
import * as meta from "./metadata.ts";
import { type ProjectedColumn, projectModel } from "./projection.ts";
import { comparable, joinOn, lockSql, qualified, quoteIdent } from "./sql.ts";
import { CHANGE_TYPE, COMMIT_TIMESTAMP, COMMIT_VERSION, changesName, tableColumns } from "./tables.ts";

/**
 * Silver: the change feed since the model's checkpoint, reduced to the last change per key, projected through
 * the model in the warehouse, merged (SCD1: upsert and delete; SCD2: close the current row and open a new one),
 * and the checkpoint advanced, in one transaction. Changes between two silver runs collapse: SCD2 history has
 * one row per key per silver commit in which the key changed.
 */

const LAST = "_smelter_last";
const PROJ = "_smelter_proj";
const V = "_smelter_commit_version";
const UPDATED = "_smelter_updated_at";

async function ensureSilverTable(
  client: ClientBase,
  target: SilverTarget,
  cols: ProjectedColumn[],
): Promise<string> {
  const { model, silverSchema } = target;
  const name = qualified(silverSchema, model.name);
  const scd2 = model.scd === 2;
  const existing = await tableColumns(client, silverSchema, model.name);
  if (existing === null) {
    const defs = cols.map(
      (c) => `${quoteIdent(c.name)} ${c.type}${model.key.includes(c.name) ? " NOT NULL" : ""}`,
    );
    if (scd2)
      defs.push("valid_from timestamptz NOT NULL", "valid_to timestamptz", "is_current boolean NOT NULL");
    defs.push(`${quoteIdent(V)} bigint NOT NULL`, `${quoteIdent(UPDATED)} timestamptz NOT NULL`);
    const key = [...model.key.map(quoteIdent), ...(scd2 ? ["valid_from"] : [])];
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(silverSchema)}`);
    await client.query(
      `CREATE TABLE ${name} (\n  ${defs.join(",\n  ")},\n  PRIMARY KEY (${key.join(", ")})\n)`,
    );
    if (scd2) {
      await client.query(
        `CREATE UNIQUE INDEX ${quoteIdent(`${model.name}__current`)} ON ${name} (${model.key.map(quoteIdent).join(", ")}) WHERE is_current`,
      );
    }
    return name;
  }
  // A model that gained columns: add them; rows written before keep NULL until their key changes.
  const have = new Set(existing.map((c) => c.name));
  for (const c of cols) {
    if (!have.has(c.name))
      await client.query(`ALTER TABLE ${name} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`);
  }
  return name;
}

/** Projects `source` (rows shaped like the change feed) into PROJ: one row per silver key, with a delete flag. */
async function project(client: ClientBase, target: SilverTarget, cols: ProjectedColumn[], source: string) {
  const keep = target.model.where ? `coalesce((${target.model.where}), false)` : "TRUE";
  const key = target.model.key.map(quoteIdent).join(", ");
  await client.query(`
    CREATE TEMP TABLE ${PROJ} ON COMMIT DROP AS
    SELECT DISTINCT ON (${key}) * FROM (
      SELECT ${cols.map((c) => `${c.expr} AS ${quoteIdent(c.name)}`).join(", ")},
             ${quoteIdent(COMMIT_VERSION)} AS _smelter_v, ${quoteIdent(COMMIT_TIMESTAMP)} AS _smelter_ts,
             (${quoteIdent(CHANGE_TYPE)} = 'delete' OR NOT ${keep}) AS _smelter_del
        FROM ${source}) p
    ORDER BY ${key}, _smelter_v DESC`);
  await client.query(`ANALYZE ${PROJ} (${key})`);
}

async function merge(client: ClientBase, target: SilverTarget, cols: ProjectedColumn[], silver: string) {
  const scd2 = target.model.scd === 2;
  const on = joinOn("t", "p", target.model.key) + (scd2 ? " AND t.is_current" : "");
  const differs = `ROW(${cols.map((c) => comparable(`t.${quoteIdent(c.name)}`, c.type)).join(", ")}) IS DISTINCT FROM ROW(${cols.map((c) => comparable(`p.${quoteIdent(c.name)}`, c.type)).join(", ")})`;
  const firstKey = `t.${quoteIdent(target.model.key[0] as string)}`;
  const counted = await client.query(`
    SELECT count(*) AS n,
           count(*) FILTER (WHERE ${firstKey} IS NULL AND NOT p._smelter_del) AS ins,
           count(*) FILTER (WHERE ${firstKey} IS NOT NULL AND p._smelter_del) AS del,
           count(*) FILTER (WHERE ${firstKey} IS NOT NULL AND NOT p._smelter_del AND ${differs}) AS upd
      FROM ${PROJ} p LEFT JOIN ${silver} t ON ${on}`);
  const r = counted.rows[0];
  const counts = {
    rowsRead: Number(r.n),
    inserted: Number(r.ins),
    updated: Number(r.upd),
    deleted: Number(r.del),
  };
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
  return { ...counts, unchanged: counts.rowsRead - counts.inserted - counts.updated - counts.deleted };
}

async function begin(client: ClientBase, target: SilverTarget): Promise<void> {
  await client.query("BEGIN");
  const lock = lockSql(`smelter:silver:${target.pipeline}:${target.model.name}`);
  await client.query(lock.text, lock.values);
}

async function bronzeColumns(client: ClientBase, target: SilverTarget) {
  const cols = await tableColumns(client, target.bronzeSchema, target.table.name);
  if (cols === null) {
    throw new DataError(
      `silver model ${target.model.name}: bronze table ${target.bronzeSchema}.${target.table.name} does not exist yet; run bronze first (a retry after bronze helps)`,
    );
  }
  return cols;
}

/** Merges the change feed since the model's checkpoint; see the module comment. */
export async function applySilver(
  client: ClientBase,
  target: SilverTarget,
  hooks: StepHooks,
): Promise<SilverResult> {
  const { pipeline, table, model, bronzeSchema } = target;
  if (!table.bronze.changeFeed) {
    throw new ConfigError(
      `silver.${model.name}: bronze table ${table.name} has bronze.changeFeed: false; silver reads the change feed`,
    );
  }
  await begin(client, target);
  try {
    const from = await meta.silverCheckpoint(client, pipeline, model.name);
    const floor = await meta.retentionFloor(client, pipeline, table.name);
    const to = await meta.currentVersion(client, pipeline, table.name);
    if (from < floor) {
      throw new DataError(
        `silver model ${model.name}: versions ${from + 1}..${floor} of table ${bronzeSchema}.${table.name} were pruned from the change feed; rebuild silver from bronze (smelter's rebuildSilver) — a retry will not help`,
      );
    }
    const empty = {
      versionFrom: from,
      versionTo: from,
      rowsRead: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
      unchanged: 0,
    };
    if (to <= from) {
      await client.query("COMMIT");
      return empty;
    }
    const cols = projectModel(model, await bronzeColumns(client, target), `${bronzeSchema}.${table.name}`);
    const silver = await ensureSilverTable(client, target, cols);
    const key = table.primaryKey.map(quoteIdent).join(", ");
    await client.query(
      `CREATE TEMP TABLE ${LAST} ON COMMIT DROP AS
       SELECT DISTINCT ON (${key}) * FROM ${qualified(bronzeSchema, changesName(table.name))}
        WHERE ${quoteIdent(COMMIT_VERSION)} > ${from} AND ${quoteIdent(COMMIT_VERSION)} <= ${to}
          AND ${quoteIdent(CHANGE_TYPE)} <> 'update_preimage'
        ORDER BY ${key}, ${quoteIdent(COMMIT_VERSION)} DESC`,
    );
    await project(client, target, cols, LAST);
    const counts = await merge(client, target, cols, silver);
    await meta.setSilverCheckpoint(client, pipeline, model.name, table.name, to);
    hooks.fault("silver:after-merge");
    await client.query("COMMIT");
    return { versionFrom: from, versionTo: to, ...counts };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * Full refresh: empties the silver table and fills it from the bronze table's current rows, checkpointing the
 * current version. The way back after the change feed was pruned past a model's checkpoint, or after a model's
 * definition changed. SCD2 history is lost: every row starts a new history at the time of the rebuild.
 */
export async function rebuildSilver(client: ClientBase, target: SilverTarget): Promise<SilverResult> {
  const { pipeline, table, model, bronzeSchema } = target;
  await begin(client, target);
  try {
    const to = await meta.currentVersion(client, pipeline, table.name);
    const cols = projectModel(model, await bronzeColumns(client, target), `${bronzeSchema}.${table.name}`);
    const silver = await ensureSilverTable(client, target, cols);
    await client.query(`TRUNCATE ${silver}`);
    await client.query(
      `CREATE TEMP TABLE ${LAST} ON COMMIT DROP AS
       SELECT *, 'insert'::text AS ${quoteIdent(CHANGE_TYPE)}, ${to}::bigint AS ${quoteIdent(COMMIT_VERSION)},
              now() AS ${quoteIdent(COMMIT_TIMESTAMP)}
         FROM ${qualified(bronzeSchema, table.name)}`,
    );
    await project(client, target, cols, LAST);
    const counts = await merge(client, target, cols, silver);
    await meta.setSilverCheckpoint(client, pipeline, model.name, table.name, to);
    await client.query("COMMIT");
    return { versionFrom: 0, versionTo: to, ...counts };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
