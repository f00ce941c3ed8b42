import { TransientError } from "../../errors.ts";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { timed } from "../timed.ts";
import { type BronzeLoad, type BronzeResult, type StepHooks, schemaChangeOf } from "../types.ts";
import { recordChangeOrder } from "./change-orders.ts";
import type { SparkClient } from "./client.ts";
import { checkStagedFit } from "./fits.ts";
import * as meta from "./metadata.ts";
import { integer, joinOn, literal, qualified, quoteIdent } from "./sql.ts";
import {
  BATCH_ID,
  type BronzeShape,
  isMissing,
  LOADED_AT,
  prepareBronze,
  RESCUED,
  takesRow,
} from "./tables.ts";
import { columnType } from "./types.ts";

/**
 * One bronze commit on Delta: the landed parquet is read where it lies (`parquet.\`s3a://...\``, or a local path
 * the Thrift server can read) by the MERGE itself, cast to bronze's types (a value Spark cannot cast fails the
 * MERGE, so nothing is written); the latest row per key is kept (cursor, then batch order, then row order in
 * the landed file); one MERGE deletes, updates the rows that differ (null-safe) and inserts, and with a reconcile
 * key set also deletes bronze keys missing from it (`WHEN NOT MATCHED BY SOURCE`). The MERGE is the commit: it
 * carries the batch ids and its sequence number (see metadata.ts), so the checkpoint is in the same Delta commit
 * as the data and its change feed.
 */

export const STAGE = "_smelter_stage";
const KEYS = "_smelter_keys";
const DELETED = "_smelter_deleted";
const KEEP = "_smelter_keep";
export const SEQ = "_smelter_batch_seq";
export const ROW = "_smelter_row";

/** The Delta writer id of a bronze table, for idempotent writes. */
export function appId(pipeline: string, table: string): string {
  return `smelter.bronze.${pipeline}.${table}`;
}

/**
 * The landing zone's root as Spark reads it: the connection's `landing_path`, else the zone's URL with S3 read
 * through s3a (a local zone's directory as it is: the Thrift server runs beside the service).
 */
export function landingRoot(client: SparkClient, load: BronzeLoad): string {
  return (client.landingPath ?? load.zone.url.replace(/^s3:\/\//, "s3a://")).replace(/\/+$/, "");
}

/** The landed rows of every file of every batch, in bronze's types, with batch and row order. */
export function stagingQuery(load: BronzeLoad, root: string): string {
  const exprs = load.columns.map(
    (c) => `CAST(${quoteIdent(c.name)} AS ${columnType(c)}) AS ${quoteIdent(c.name)}`,
  );
  const parts: string[] = [];
  for (const [seq, batch] of load.batches.entries()) {
    for (const [index, file] of batch.files.entries()) {
      parts.push(`SELECT ${exprs.join(", ")}, ${literal(batch.batchId)} AS ${BATCH_ID}, ${integer(seq)} AS ${SEQ},
        (CAST(${integer(index)} AS BIGINT) << 40) + _metadata.row_index AS ${ROW}
        FROM parquet.${quoteIdent(`${root}/${file.key}`)}`);
    }
  }
  if (parts.length > 0) return parts.join("\nUNION ALL\n");
  const nulls = load.columns.map((c) => `CAST(NULL AS ${columnType(c)}) AS ${quoteIdent(c.name)}`);
  return `SELECT ${[...nulls, `CAST(NULL AS STRING) AS ${BATCH_ID}`, `0 AS ${SEQ}`, `0L AS ${ROW}`].join(", ")} WHERE false`;
}

/** The primary keys of the load's key set (its last batch's key files), or null when it has none. */
function keysQuery(load: BronzeLoad, root: string): string | null {
  const last = load.batches.at(-1);
  if (!last?.keyFiles) return null;
  const types = new Map(load.columns.map((c) => [c.name, columnType(c)]));
  const cols = load.table.primaryKey.map(
    (k) => `CAST(${quoteIdent(k)} AS ${types.get(k) ?? "STRING"}) AS ${quoteIdent(k)}`,
  );
  const parts = last.keyFiles.map(
    (f) => `SELECT ${cols.join(", ")} FROM parquet.${quoteIdent(`${root}/${f.key}`)}`,
  );
  if (parts.length === 0) {
    return `SELECT ${load.table.primaryKey.map((k) => `CAST(NULL AS ${types.get(k) ?? "STRING"}) AS ${quoteIdent(k)}`).join(", ")} WHERE false`;
  }
  return `SELECT DISTINCT * FROM (${parts.join("\nUNION ALL\n")})`;
}

/** The staged row `d` is a soft delete: its delete column holds the spec's value. */
export function softDelete(load: BronzeLoad): string {
  const d = load.table.deletes;
  if (d.mode !== "soft") return "false";
  const col = load.columns.find((c) => c.name === d.column);
  if (!col) return "false";
  const type = columnType(col);
  let value = String(d.value);
  if (typeof d.value === "boolean" && type !== "BOOLEAN") value = d.value ? "1" : "0";
  return `(d.${quoteIdent(d.column)} <=> CAST(${literal(value)} AS ${type}))`;
}

/** The latest staged row per key: by cursor (NULLs oldest), then batch order, then row order. */
function latestPerKey(load: BronzeLoad): string {
  const names = new Set(load.columns.map((c) => c.name));
  const key = load.table.primaryKey.map(quoteIdent).join(", ");
  const order = [
    ...load.table.cursor.filter((c) => names.has(c)).map((c) => `${quoteIdent(c)} DESC NULLS LAST`),
    `${SEQ} DESC`,
    `${ROW} DESC`,
  ];
  return `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${order.join(", ")}) AS _smelter_rn
    FROM ${STAGE}) WHERE _smelter_rn = 1`;
}

/**
 * A staged row `d` as a bronze row: every bronze data column cast to bronze's type (NULL for columns the batches
 * lack), then `_rescued_data` (unknown columns as JSON) when bronze has it.
 */
export function rowImage(load: BronzeLoad, shape: BronzeShape): { names: string[]; image: string[] } {
  const landed = new Set(load.columns.map((c) => c.name));
  const names = shape.columns.map((c) => c.name);
  const image = shape.columns.map((c) =>
    landed.has(c.name) ? `CAST(d.${quoteIdent(c.name)} AS ${c.type})` : `CAST(NULL AS ${c.type})`,
  );
  if (shape.hasRescue) {
    names.push(RESCUED);
    image.push(
      shape.rescued.length
        ? `nullif(to_json(named_struct(${shape.rescued.map((c) => `${literal(c)}, d.${quoteIdent(c)}`).join(", ")})), '{}')`
        : "CAST(NULL AS STRING)",
    );
  }
  return { names, image };
}

/**
 * The latest staged rows as bronze rows (every bronze column, cast to bronze's type; NULL for columns the batches
 * lack; unknown columns as JSON in `_rescued_data`) with their delete flag: a soft delete, or with a key set a key
 * it does not hold.
 */
function latestRows(
  load: BronzeLoad,
  shape: BronzeShape,
  hasKeys: boolean,
): { sql: string; names: string[] } {
  const { names, image } = rowImage(load, shape);
  const deleted = hasKeys ? `(${softDelete(load)} OR k._smelter_present IS NULL)` : softDelete(load);
  const join = hasKeys
    ? ` LEFT JOIN (SELECT *, true AS _smelter_present FROM ${KEYS}) k ON ${joinOn("k", "d", load.table.primaryKey)}`
    : "";
  const sql = `SELECT ${image.map((e, i) => `${e} AS ${quoteIdent(names[i] as string)}`).join(", ")},
      d.${BATCH_ID}, ${deleted} AS ${DELETED}
    FROM (${latestPerKey(load)}) d${join}`;
  return { sql, names };
}

/**
 * The MERGE's source: the latest rows, and with a key set one `keep` row for every key it holds that no staged row
 * has, so that `NOT MATCHED BY SOURCE` means "gone".
 */
function mergeSource(
  load: BronzeLoad,
  shape: BronzeShape,
  hasKeys: boolean,
): { sql: string; names: string[] } {
  const latest = latestRows(load, shape, hasKeys);
  const names = latest.names;
  const rows = `SELECT *, false AS ${KEEP} FROM (${latest.sql})`;
  if (!hasKeys) return { sql: rows, names };
  const key = load.table.primaryKey;
  const types = new Map(shape.columns.map((c) => [c.name, c.type]));
  const keepCols = names.map((n) =>
    key.includes(n) ? `k.${quoteIdent(n)}` : `CAST(NULL AS ${types.get(n) ?? "STRING"}) AS ${quoteIdent(n)}`,
  );
  const keep = `SELECT ${keepCols.join(", ")}, CAST(NULL AS STRING) AS ${BATCH_ID}, false AS ${DELETED}, true AS ${KEEP}
    FROM ${KEYS} k LEFT ANTI JOIN ${STAGE} d ON ${joinOn("k", "d", key)}`;
  return { sql: `${rows}\nUNION ALL\n${keep}`, names };
}

function mergeSql(load: BronzeLoad, shape: BronzeShape, hasKeys: boolean): string {
  const { sql, names } = mergeSource(load, shape, hasKeys);
  const data = [...names, BATCH_ID];
  const set = [
    ...data.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`),
    `${LOADED_AT} = current_timestamp()`,
  ];
  return `MERGE INTO ${qualified(load.schema, load.table.name)} b USING (${sql}) x
    ON ${joinOn("b", "x", load.table.primaryKey)}
    WHEN MATCHED AND NOT x.${KEEP} AND x.${DELETED} THEN DELETE
    WHEN MATCHED AND NOT x.${KEEP} AND ${takesRow(names)} THEN UPDATE SET ${set.join(", ")}
    WHEN NOT MATCHED AND NOT x.${KEEP} AND NOT x.${DELETED} THEN
      INSERT (${[...data, LOADED_AT].map(quoteIdent).join(", ")}) VALUES (${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, current_timestamp())
    ${hasKeys ? "WHEN NOT MATCHED BY SOURCE THEN DELETE" : ""}`;
}

/**
 * The write of a commit into a bronze table that holds no row yet (a first load): an append of the latest rows
 * that are not deletes. It leaves what the MERGE would leave, in a third of its time (no join with the target,
 * no rewrite of the source into merge actions).
 */
function insertSql(load: BronzeLoad, shape: BronzeShape, hasKeys: boolean): string {
  const { sql, names } = latestRows(load, shape, hasKeys);
  const data = [...names, BATCH_ID];
  return `INSERT INTO ${qualified(load.schema, load.table.name)} (${[...data, LOADED_AT].map(quoteIdent).join(", ")})
    SELECT ${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, current_timestamp() FROM (${sql}) x WHERE NOT x.${DELETED}`;
}

/** Whether bronze holds no row: created by this commit, or (a crash right after its creation) no data file yet. */
async function holdsNoRow(
  client: SparkClient,
  load: BronzeLoad,
  shape: BronzeShape,
  commits: meta.BronzeCommit[],
): Promise<boolean> {
  if (shape.created) return true;
  if (commits.length > 0) return false;
  const [detail] = await client.query(`DESCRIBE DETAIL ${qualified(load.schema, load.table.name)}`);
  return Number(detail?.numFiles ?? 1) === 0;
}

/** The newest entries of a bronze table's history (`limit`); an empty, complete page when the table does not exist. */
export async function bronzeHistory(
  client: SparkClient,
  schema: string,
  table: string,
  limit?: number,
): Promise<meta.HistoryPage> {
  try {
    return await meta.historyPage(client, qualified(schema, table), "bronze", limit);
  } catch (error) {
    if (isMissing(error)) return { commits: [], complete: true };
    throw error;
  }
}

/** How much history is read when the newest page does not reach the commits the commit table lacks. */
const LONG_HISTORY = 100_000;

/**
 * The table's ledger of commits (metadata.ts `bronzeLedger`). `found`: the table's history when the caller has just
 * read it.
 */
export async function bronzeCommits(
  client: SparkClient,
  pipeline: string,
  schema: string,
  table: string,
  found?: meta.HistoryPage,
): Promise<meta.BronzeLedger> {
  found ??= await bronzeHistory(client, schema, table);
  return meta.bronzeLedger(client, pipeline, table, found, () =>
    bronzeHistory(client, schema, table, LONG_HISTORY),
  );
}

/** Records the ledger's unrecorded commits, when it has any (an execution that commits nothing itself). */
export async function recordUnrecorded(
  client: SparkClient,
  pipeline: string,
  table: string,
  ledger: meta.BronzeLedger,
  log: (message: string) => void,
): Promise<void> {
  if (ledger.unrecorded.length === 0) return;
  await timed(log, "record earlier commits", () =>
    meta.recordBronze(client, pipeline, table, ledger.unrecorded, log),
  );
}

/** The result of a commit whose batches were all applied before. */
export const SKIPPED: BronzeResult = {
  skipped: true,
  version: null,
  rowsRead: 0,
  inserted: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
};

/**
 * Whether the load's batches were all applied by `commits` (the table's); throws a retryable error when only some
 * were (another execution applied them meanwhile).
 */
export function alreadyApplied(load: BronzeLoad, commits: meta.BronzeCommit[]): boolean {
  const ids = load.batches.map((b) => b.batchId);
  const done = new Set(commits.flatMap((c) => c.batchIds));
  const already = ids.filter((id) => done.has(id)).length;
  if (already === ids.length) return true;
  if (already > 0) {
    throw new TransientError(
      `bronze table ${load.schema}.${load.table.name}: batches ${ids.join(", ")} were partly applied by another execution meanwhile; a retry applies the rest`,
    );
  }
  return false;
}

/**
 * Applies a group of batches to bronze; see the module comment. `found`: the table's history as the execution
 * read it for its checkpoints (a commit made since then by another execution with the same sequence number is
 * skipped by Delta, and this one fails with a retryable error).
 */
export async function applyBronze(
  client: SparkClient,
  load: BronzeLoad,
  hooks: StepHooks,
  found?: meta.HistoryPage,
): Promise<BronzeResult> {
  const { pipeline, schema, table } = load;
  const { log } = hooks;
  const ids = load.batches.map((b) => b.batchId);
  const ledger = await bronzeCommits(client, pipeline, schema, table.name, found);
  const { commits } = ledger;
  if (alreadyApplied(load, commits)) {
    await recordUnrecorded(client, pipeline, table.name, ledger, log);
    return SKIPPED;
  }
  const shape = await timed(log, "prepare bronze", () => prepareBronze(client, load));
  const root = landingRoot(client, load);
  const keys = keysQuery(load, root);
  let cached = false;
  try {
    const empty = await holdsNoRow(client, load, shape, commits);
    await client.query(`CREATE OR REPLACE TEMPORARY VIEW ${STAGE} AS ${stagingQuery(load, root)}`);
    await checkStagedFit(client, load, shape, STAGE);
    if (keys) await client.query(`CREATE OR REPLACE TEMPORARY VIEW ${KEYS} AS ${keys}`);
    // Counted so that `unchanged` counts what the write leaves out: with a MERGE, the `keep` row per key of the
    // key set that no staged row has; with the append of a first load, the latest rows that are deletes, which are
    // the staged keys less the rows it writes (a count that reads only the key columns of the landed files).
    let keep = 0;
    let latest: number | null = null;
    if (empty && (keys || load.table.deletes.mode === "soft")) {
      const key = table.primaryKey.map(quoteIdent).join(", ");
      const counted = await client.query(`SELECT count(DISTINCT ${key}) AS n FROM ${STAGE}`);
      latest = Number(counted[0]?.n ?? 0);
    } else if (keys && !empty) {
      cached = true;
      await timed(log, "stage key set", () => client.query(`CACHE TABLE ${KEYS}`));
      const counted = await client.query(
        `SELECT count(*) AS n FROM ${KEYS} k LEFT ANTI JOIN ${STAGE} d ON ${joinOn("k", "d", table.primaryKey)}`,
      );
      keep = Number(counted[0]?.n ?? 0);
    }
    hooks.fault("bronze:after-stage");
    // Snapshot rows of a cdc table: the changes after them are not compared with those applied before (see
    // change-orders.ts).
    const snapshot = load.columns.some((c) => c.name === CHANGE_COLUMNS.order);
    const seq = (commits.at(-1)?.seq ?? 0) + 1;
    const version = Math.max(0, ...commits.map((c) => c.version ?? 0)) + 1;
    const note = meta.formatNote("bronze", {
      seq,
      version,
      read: load.batches.reduce((n, b) => n + b.rows, 0),
      keep,
      latest,
      batches: ids.join(","),
      rows: load.batches.map((b) => b.rows).join(","),
      from: ledger.unrecorded[0]?.seq ?? seq,
      ...(snapshot ? { snap: 1 } : {}),
    });
    const written = await timed(log, empty ? "append to empty bronze" : "merge into bronze", () =>
      meta.asCommit(client, appId(pipeline, table.name), seq, note, () =>
        client.query(empty ? insertSql(load, shape, keys !== null) : mergeSql(load, shape, keys !== null)),
      ),
    );
    // A MERGE answers with its counts, unless Delta skipped it as an (appId, seq) already committed; an append
    // answers nothing either way, so history tells whose commit `seq` is.
    if (!empty && written.length === 0) throw meta.concurrentCommit(`bronze table ${schema}.${table.name}`);
    const mine = (await meta.history(client, qualified(schema, table.name), "bronze", 1)).find(
      (h) => Number(h.note.seq) === seq && h.note.batches === ids.join(","),
    );
    if (!mine) throw meta.concurrentCommit(`bronze table ${schema}.${table.name}`);
    const r = meta.bronzeRecord(mine);
    hooks.fault("bronze:after-merge");
    await timed(log, "record commit", () =>
      meta.recordBronze(client, pipeline, table.name, [...ledger.unrecorded, r], log),
    );
    if (snapshot) await recordChangeOrder(client, pipeline, table.name, r.seq, null);
    return {
      skipped: false,
      version: r.version,
      rowsRead: r.rowsRead,
      inserted: r.inserted,
      updated: r.updated,
      deleted: r.deleted,
      unchanged: r.unchanged,
      ...schemaChangeOf(shape),
    };
  } finally {
    if (cached) await client.run(`UNCACHE TABLE IF EXISTS ${KEYS}`).catch(() => undefined);
  }
}
