import { DataError } from "../../errors.ts";
import type { SilverModel } from "../../spec/types.ts";
import { nothingNew, requireBronze, requireChangeFeed, requireUnpruned } from "../silver-checks.ts";
import { jsonPathSteps, type ProjectedColumn, projectModel as project } from "../silver-projection.ts";
import { addedColumns, silverColumnDefinitions, UPDATED, V } from "../silver-table.ts";
import { timed } from "../timed.ts";
import type { SilverResult, SilverTarget, StepHooks } from "../types.ts";
import { bronzeCommits } from "./bronze.ts";
import type { SparkClient } from "./client.ts";
import { checkProjectedFit } from "./fits.ts";
import * as meta from "./metadata.ts";
import { integer, joinOn, literal, qualified, quoteIdent, sameValues, sparkType } from "./sql.ts";
import { ensureSchema, isMissing, type TypedColumn, tableChanged, tableColumns } from "./tables.ts";

/**
 * Silver on Delta: the bronze table's change data feed (`table_changes`) after the model's checkpoint, reduced to
 * the last change per key, projected through the model (copies, casts, JSON paths with `get_json_object`,
 * expressions), and merged in one MERGE that is also the checkpoint (see metadata.ts): SCD1 upserts and deletes;
 * SCD2 closes the current row and opens a new one in the same MERGE (the changed rows enter the source twice, once
 * to close, once with no merge key to insert). Changes between two silver runs collapse, as on PostgreSQL.
 */

const PROJ = "_smelter_proj";

/** `$.a.b[0]["c d"]` as a `get_json_object` path (`$.a.b[0]['c d']`); a key cannot hold an unescaped `'`. */
export function jsonPath(path: string, where: string): string {
  let out = "$";
  for (const s of jsonPathSteps(path, where, false)) {
    out += s.kind === "member" ? `.${s.name}` : s.kind === "index" ? `[${s.index}]` : `['${s.key}']`;
  }
  return out;
}

/** The silver columns of a model in Spark SQL (see silver-projection.ts); JSON documents are read as strings. */
function projectModel(model: SilverModel, bronze: TypedColumn[], table: string): ProjectedColumn[] {
  return project(model, bronze, table, {
    quoteIdent,
    sqlType: sparkType,
    jsonText: (column, path, where) =>
      `get_json_object(CAST(${quoteIdent(column)} AS STRING), ${literal(jsonPath(path, where))})`,
  });
}

/** The silver table: its name, and the columns it had before this commit (none when created by it). */
interface SilverTable {
  name: string;
  existing: TypedColumn[];
}

async function ensureSilverTable(
  client: SparkClient,
  target: SilverTarget,
  cols: ProjectedColumn[],
): Promise<SilverTable> {
  const { model, silverSchema } = target;
  const name = qualified(silverSchema, model.name);
  const existing = await tableColumns(client, silverSchema, model.name);
  if (existing === null) {
    const types = { quoteIdent, bigint: "BIGINT", boolean: "BOOLEAN", timestamp: "TIMESTAMP" };
    const defs = silverColumnDefinitions(model, cols, types);
    await ensureSchema(client, silverSchema);
    tableChanged(client, silverSchema, model.name);
    await client.query(`CREATE TABLE IF NOT EXISTS ${name} (\n  ${defs.join(",\n  ")}\n) USING DELTA`);
    return { name, existing: [] };
  }
  const added = addedColumns(cols, existing).map((c) => `${quoteIdent(c.name)} ${c.type}`);
  if (added.length) {
    tableChanged(client, silverSchema, model.name);
    await client.query(`ALTER TABLE ${name} ADD COLUMNS (${added.join(", ")})`);
  }
  return { name, existing };
}

/** Whether the model's key is the bronze key copied unchanged (rows unique per bronze key are unique per model key). */
function keyedByBronzeKey(target: SilverTarget): boolean {
  const { model, table } = target;
  return table.primaryKey.every((k) =>
    model.columns.some((c) => "from" in c && c.from === k && !c.type && model.key.includes(c.name)),
  );
}

/** The model's rows over change rows `source` (one per bronze key), with version, timestamp and delete flag. */
function projection(target: SilverTarget, cols: ProjectedColumn[], source: string, version: string): string {
  const keep = target.model.where ? `coalesce((${target.model.where}), false)` : "true";
  const select = `SELECT ${cols.map((c) => `${c.expr} AS ${quoteIdent(c.name)}`).join(", ")},
      ${version} AS _smelter_v, _commit_timestamp AS _smelter_ts,
      (_change_type = 'delete' OR NOT ${keep}) AS _smelter_del
    FROM (${source}) c`;
  if (keyedByBronzeKey(target)) return select;
  const key = target.model.key.map(quoteIdent).join(", ");
  return `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY _smelter_v DESC) AS _smelter_rn
    FROM (${select})) WHERE _smelter_rn = 1`;
}

interface Counts {
  rowsRead: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/** What merging the projected rows will do, counted before the MERGE (SCD2 has no per-action metrics). */
async function count(
  client: SparkClient,
  target: SilverTarget,
  cols: ProjectedColumn[],
  silver: string,
): Promise<Counts> {
  const scd2 = target.model.scd === 2;
  const on = joinOn("t", "p", target.model.key) + (scd2 ? " AND t.is_current" : "");
  const first = `t.${quoteIdent(target.model.key[0] as string)}`;
  const same = sameValues(
    "t",
    "p",
    cols.map((c) => c.name),
  );
  const rows = await client.query(`SELECT count(*) AS n,
      count_if(${first} IS NULL AND NOT p._smelter_del) AS ins,
      count_if(${first} IS NOT NULL AND p._smelter_del) AS del,
      count_if(${first} IS NOT NULL AND NOT p._smelter_del AND NOT (${same})) AS upd
    FROM ${PROJ} p LEFT JOIN ${silver} t ON ${on}`);
  const r = rows[0] ?? {};
  const c = {
    rowsRead: Number(r.n ?? 0),
    inserted: Number(r.ins ?? 0),
    updated: Number(r.upd ?? 0),
    deleted: Number(r.del ?? 0),
  };
  return { ...c, unchanged: c.rowsRead - c.inserted - c.updated - c.deleted };
}

function mergeSql(target: SilverTarget, cols: ProjectedColumn[], silver: string): string {
  const names = cols.map((c) => quoteIdent(c.name));
  const same = sameValues(
    "t",
    "p",
    cols.map((c) => c.name),
  );
  if (target.model.scd !== 2) {
    return `MERGE INTO ${silver} t USING ${PROJ} p ON ${joinOn("t", "p", target.model.key)}
      WHEN MATCHED AND p._smelter_del THEN DELETE
      WHEN MATCHED AND NOT (${same}) THEN UPDATE SET ${names.map((n) => `${n} = p.${n}`).join(", ")},
        ${quoteIdent(V)} = p._smelter_v, ${quoteIdent(UPDATED)} = current_timestamp()
      WHEN NOT MATCHED AND NOT p._smelter_del THEN
        INSERT (${[...names, quoteIdent(V), quoteIdent(UPDATED)].join(", ")})
        VALUES (${names.map((n) => `p.${n}`).join(", ")}, p._smelter_v, current_timestamp())`;
  }
  const key = target.model.key;
  const mk = key.map((_, i) => `_smelter_mk${i}`);
  const opened = `SELECT p.*, ${key.map((k, i) => `p.${quoteIdent(k)} AS ${mk[i]}`).join(", ")} FROM ${PROJ} p`;
  const reopened = `SELECT p.*, ${mk.map((m) => `NULL AS ${m}`).join(", ")} FROM ${PROJ} p
    JOIN ${silver} t ON ${joinOn("t", "p", key)} AND t.is_current WHERE NOT p._smelter_del AND NOT (${same})`;
  const on = key.map((k, i) => `t.${quoteIdent(k)} = p.${mk[i]}`).join(" AND ");
  return `MERGE INTO ${silver} t USING (${opened} UNION ALL ${reopened}) p ON ${on} AND t.is_current
    WHEN MATCHED AND (p._smelter_del OR NOT (${same})) THEN
      UPDATE SET valid_to = p._smelter_ts, is_current = false, ${quoteIdent(UPDATED)} = current_timestamp()
    WHEN NOT MATCHED AND NOT p._smelter_del THEN
      INSERT (${[...names, "valid_from", "valid_to", "is_current", quoteIdent(V), quoteIdent(UPDATED)].join(", ")})
      VALUES (${names.map((n) => `p.${n}`).join(", ")}, p._smelter_ts, NULL, true, p._smelter_v, current_timestamp())`;
}

/** The Delta writer id of a silver model, for idempotent writes. */
function appId(target: SilverTarget): string {
  return `smelter.silver.${target.pipeline}.${target.model.name}`;
}

/** The model's newest commit, from the silver table's history (see metadata.ts `silverCheckpoint`). */
async function lastCommit(client: SparkClient, target: SilverTarget): Promise<meta.SilverRecord | null> {
  const { pipeline, model, silverSchema } = target;
  let page: meta.HistoryPage;
  try {
    page = await meta.historyPage(client, qualified(silverSchema, model.name), "silver");
  } catch (error) {
    // No silver table: the model starts from bronze's first version.
    if (isMissing(error)) return null;
    throw error;
  }
  return meta.silverCheckpoint(client, pipeline, model.name, page);
}

async function bronzeColumns(client: SparkClient, target: SilverTarget): Promise<TypedColumn[]> {
  return requireBronze(target, await tableColumns(client, target.bronzeSchema, target.table.name));
}

/** `CASE _commit_version WHEN <delta version> THEN <smelter version> ... END` for the commits in range. */
function versionCase(commits: meta.BronzeCommit[], from: number, to: number): string {
  const whens = commits
    .filter((c) => c.version !== null && c.version > from && c.version <= to)
    .map((c) => `WHEN ${integer(c.deltaVersion)} THEN ${integer(c.version as number)}`);
  return whens.length
    ? `CAST(CASE _commit_version ${whens.join(" ")} END AS BIGINT)`
    : "CAST(NULL AS BIGINT)";
}

/** Runs the MERGE (or overwrite) `write` as the model's next commit and records it. */
async function commit(
  client: SparkClient,
  target: SilverTarget,
  last: meta.SilverRecord | null,
  to: number,
  counts: Counts | null,
  write: () => Promise<unknown[]>,
  hooks: Pick<StepHooks, "fault" | "log">,
): Promise<meta.SilverRecord> {
  const seq = (last?.seq ?? 0) + 1;
  const counted: Record<string, number> = counts
    ? {
        read: counts.rowsRead,
        ins: counts.inserted,
        upd: counts.updated,
        del: counts.deleted,
        same: counts.unchanged,
      }
    : {};
  const note = meta.formatNote("silver", { seq, to, ...counted });
  const what = `silver model ${target.silverSchema}.${target.model.name}`;
  // A write Delta skipped (the same seq committed by another execution) leaves that execution's commit in history.
  await meta.asCommit(client, appId(target), seq, note, write as () => Promise<never[]>);
  const silver = qualified(target.silverSchema, target.model.name);
  const mine = (await meta.history(client, silver, "silver", 1)).find((h) => Number(h.note.seq) === seq);
  if (!mine) throw meta.concurrentCommit(what);
  const record = meta.silverRecord(mine);
  hooks.fault("silver:after-merge");
  await timed(hooks.log, "record commit", () =>
    meta.recordSilver(client, target.pipeline, target.model.name, target.table.name, record, hooks.log),
  );
  return record;
}

/**
 * Caches the projected rows `sql` as PROJ, checks that the silver table's columns hold their values unchanged
 * (fits.ts; `again` names what to run once widened), then runs `work`.
 */
async function withProjection<T>(
  client: SparkClient,
  target: SilverTarget,
  projected: { sql: string; cols: ProjectedColumn[]; silver: SilverTable; again: string },
  work: () => Promise<T>,
): Promise<T> {
  const { sql, cols, silver, again } = projected;
  try {
    await client.query(`CREATE OR REPLACE TEMPORARY VIEW ${PROJ} AS ${sql}`);
    await client.query(`CACHE TABLE ${PROJ}`);
    await checkProjectedFit(client, target, cols, silver.existing, PROJ, again);
    return await work();
  } finally {
    await client.query(`UNCACHE TABLE IF EXISTS ${PROJ}`).catch(() => undefined);
  }
}

/** Merges the change feed since the model's checkpoint; see the module comment. */
export async function applySilver(
  client: SparkClient,
  target: SilverTarget,
  hooks: StepHooks,
): Promise<SilverResult> {
  const { pipeline, table, model, bronzeSchema } = target;
  requireChangeFeed(target);
  const last = await lastCommit(client, target);
  const from = last?.version ?? 0;
  const floor = await meta.retentionFloor(client, pipeline, table.name);
  requireUnpruned(target, from, floor);
  const { commits } = await bronzeCommits(client, pipeline, bronzeSchema, table.name);
  const to = Math.max(0, ...commits.map((c) => c.version ?? 0));
  if (to <= from) return nothingNew(from);
  const deltaOf = (v: number) => commits.find((c) => c.version === v)?.deltaVersion ?? -1;
  const cols = projectModel(model, await bronzeColumns(client, target), `${bronzeSchema}.${table.name}`);
  const silverTable = await ensureSilverTable(client, target, cols);
  const silver = silverTable.name;
  const key = table.primaryKey.map(quoteIdent).join(", ");
  const bronze = literal(qualified(bronzeSchema, table.name));
  const changes = `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY _commit_version DESC) AS _smelter_cn
      FROM table_changes(${bronze}, ${integer(deltaOf(from) + 1)}, ${integer(deltaOf(to))})
      WHERE _change_type <> 'update_preimage') WHERE _smelter_cn = 1`;
  const rows = projection(target, cols, changes, versionCase(commits, from, to));
  const projected = { sql: rows, cols, silver: silverTable, again: "run silver again" };
  return withProjection(client, target, projected, async () => {
    // SCD1's MERGE metrics are its counts; SCD2's MERGE closes and inserts rows for one change, so it counts first.
    const counts =
      model.scd === 2
        ? await timed(hooks.log, "count changes", () => count(client, target, cols, silver))
        : null;
    const r = await timed(hooks.log, "merge into silver", () =>
      commit(client, target, last, to, counts, () => client.query(mergeSql(target, cols, silver)), hooks),
    );
    const { rowsRead, inserted, updated, deleted, unchanged } = r;
    return { versionFrom: from, versionTo: to, rowsRead, inserted, updated, deleted, unchanged };
  }).catch((error: unknown) => {
    throw acrossSchemaChange(error, target, from, to);
  });
}

/**
 * Delta's error classes of a change-feed read spanning a schema change it cannot read across; a read that starts at
 * a rewrite of the table (a change of kind) fails reading the rewrite's removed files in the new type instead.
 */
const ACROSS_TYPE_CHANGE =
  /DELTA_CHANGE_DATA_FEED_INCOMPATIBLE_(SCHEMA_CHANGE|DATA_SCHEMA)|PARQUET_COLUMN_DATA_TYPE_MISMATCH/;

/**
 * Delta's change feed is not read across a change of a column's type (type widening, after a type changed at the
 * source): the model must be rebuilt from bronze's rows. Other errors are returned as they are.
 */
function acrossSchemaChange(error: unknown, target: SilverTarget, from: number, to: number): unknown {
  if (!ACROSS_TYPE_CHANGE.test(String((error as Error)?.message ?? error))) return error;
  const { model, bronzeSchema, table } = target;
  return new DataError(
    `silver model ${model.name}: a column of bronze table ${bronzeSchema}.${table.name} changed its type within versions ${from + 1}..${to} (after a type change at the source), and Delta's change feed is not read across a type change: rebuild the model from bronze (smelter rebuild-silver) — a retry will not help`,
    error,
  );
}

/**
 * Full refresh: overwrites the silver table with the bronze table's current rows (one Delta commit, the new
 * checkpoint with it). SCD2 history is lost: every row starts a new history at the time of the rebuild.
 */
export async function rebuildSilver(client: SparkClient, target: SilverTarget): Promise<SilverResult> {
  const { pipeline, table, model, bronzeSchema } = target;
  const last = await lastCommit(client, target);
  const { commits } = await bronzeCommits(client, pipeline, bronzeSchema, table.name);
  const to = Math.max(0, ...commits.map((c) => c.version ?? 0));
  const cols = projectModel(model, await bronzeColumns(client, target), `${bronzeSchema}.${table.name}`);
  const silverTable = await ensureSilverTable(client, target, cols);
  const silver = silverTable.name;
  const source = `SELECT *, 'insert' AS _change_type, current_timestamp() AS _commit_timestamp
    FROM ${qualified(bronzeSchema, table.name)}`;
  const rows = projection(target, cols, source, `CAST(${integer(to)} AS BIGINT)`);
  const projected = { sql: rows, cols, silver: silverTable, again: "rebuild the model again" };
  return withProjection(client, target, projected, async () => {
    const counted = await client.query(
      `SELECT count(*) AS n, count_if(NOT _smelter_del) AS ins FROM ${PROJ}`,
    );
    const rowsRead = Number(counted[0]?.n ?? 0);
    const inserted = Number(counted[0]?.ins ?? 0);
    const counts = { rowsRead, inserted, updated: 0, deleted: 0, unchanged: rowsRead - inserted };
    const names = cols.map((c) => quoteIdent(c.name));
    const history = model.scd === 2 ? ", _smelter_ts, CAST(NULL AS TIMESTAMP), true" : "";
    const overwrite = `INSERT OVERWRITE ${silver}
      (${[...names, ...(model.scd === 2 ? ["valid_from", "valid_to", "is_current"] : []), quoteIdent(V), quoteIdent(UPDATED)].join(", ")})
      SELECT ${names.join(", ")}${history}, _smelter_v, current_timestamp() FROM ${PROJ} WHERE NOT _smelter_del`;
    await commit(client, target, last, to, counts, () => client.query(overwrite), {
      fault: () => undefined,
      log: () => undefined,
    });
    return { versionFrom: 0, versionTo: to, ...counts };
  });
}
