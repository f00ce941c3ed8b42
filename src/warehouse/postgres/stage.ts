import { pipeline as pump } from "node:stream/promises";
import type { ClientBase } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { timed } from "../timed.ts";
import { qualified, quoteIdent, quoteLiteral, sqlType } from "./sql.ts";
import {
  STAGING_CSV,
  STAGING_META,
  type StagedLoad,
  type StagingColumn,
  type StagingStream,
} from "./staging/types.ts";
import { BATCH_ID, LOADED_AT } from "./tables.ts";

/**
 * Staging of one bronze commit: the producer's CSV streamed into an unindexed temporary table (no WAL, dropped at
 * commit), and, when the producer could not vouch for unique keys, the latest row per key in a second one.
 */

export const STAGE = "_smelter_stage";
export const KEYS = "_smelter_keys";
const LATEST = "_smelter_latest";

/** COPY options for the staging CSV dialect: one-byte characters as escape-string literals. */
const COPY_CSV = `FORMAT csv, DELIMITER ${pgChar(STAGING_CSV.delimiter)}, QUOTE ${pgChar(STAGING_CSV.quote)}, ESCAPE ${pgChar(STAGING_CSV.quote)}`;

function pgChar(c: string): string {
  return `E'\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}'`;
}

/**
 * COPYs a staging stream into a table. The rows count only once the producer has finished too: a producer that
 * fails after its output ended must not leave a short table behind, so its error is thrown and the transaction
 * rolls back. A COPY error wins over the producer's, which then only reports the closed pipe.
 */
async function copyStream(
  client: ClientBase,
  table: string,
  columns: string[],
  source: () => StagingStream,
  freeze = false,
): Promise<number> {
  const options = freeze ? `${COPY_CSV}, FREEZE` : COPY_CSV;
  const copy = client.query(
    copyFrom(`COPY ${table} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (${options})`),
  );
  const { rows, finished } = source();
  const [copied, produced] = await Promise.allSettled([pump(rows, copy), finished]);
  if (copied.status === "rejected") throw copied.reason;
  if (produced.status === "rejected") throw produced.reason;
  return copy.rowCount;
}

function keyDefs(load: StagedLoad, where: string): string[] {
  return load.table.primaryKey.map((k) => {
    const col = load.columns.find((c) => c.name === k);
    return `${quoteIdent(k)} ${sqlType(col?.type ?? "text", `${where} key column ${k}`)}`;
  });
}

/** Loads a reconcile batch's key set (when it has one) into a temp table. */
export async function stageKeys(
  client: ClientBase,
  load: StagedLoad,
  log: (m: string) => void,
): Promise<void> {
  if (!load.keys) return;
  const where = `bronze table ${load.schema}.${load.table.name}`;
  await client.query(`CREATE TEMP TABLE ${KEYS} (${keyDefs(load, where).join(", ")}) ON COMMIT DROP`);
  const keys = load.keys;
  await timed(log, "stage key set (COPY)", () =>
    copyStream(client, KEYS, load.table.primaryKey, () => keys({ target: "staging" })),
  );
  // "Is this staged row's key in the set" is asked per row (a NOT EXISTS beside the soft-delete test, which the
  // planner cannot turn into an anti-join): without an index each question scans the whole set, minutes for a
  // 50k-row chunk against a 150k-key set; with it, 0.2 s.
  await timed(log, "index key set", () =>
    client.query(`CREATE INDEX ON ${KEYS} (${load.table.primaryKey.map(quoteIdent).join(", ")})`),
  );
  await client.query(`ANALYZE ${KEYS}`);
}

/** Loads the batches' rows into a temp table; returns the rows staged. */
export async function stage(client: ClientBase, load: StagedLoad, log: (m: string) => void): Promise<number> {
  const where = `bronze table ${load.schema}.${load.table.name}`;
  const defs = [
    ...load.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.type, `${where} column ${c.name}`)}`),
    `${quoteIdent(STAGING_META[0])} text`,
    `${quoteIdent(STAGING_META[1])} integer`,
    `${quoteIdent(STAGING_META[2])} bigint`,
  ];
  await client.query(`CREATE TEMP TABLE ${STAGE} (${defs.join(", ")}) ON COMMIT DROP`);
  const columns = [...load.columns.map((c) => c.name), ...STAGING_META];
  const data = () => load.data({ target: "staging" });
  return timed(log, "stage rows (COPY)", () => copyStream(client, STAGE, columns, data));
}

/**
 * Loads the batches' rows straight into the bronze table the commit created (no staging table): only for rows
 * with unique keys. Nothing else can see the table before COMMIT, so (when unpartitioned) it takes frozen rows
 * (COPY FREEZE), and with a single batch its bookkeeping columns come from column defaults set for the COPY, so
 * the rows carry only data: parsing a batch id and a timestamp in every row costs a sixth of the load. Returns
 * the rows loaded.
 */
export async function copyIntoBronze(
  client: ClientBase,
  load: StagedLoad,
  log: (m: string) => void,
): Promise<number> {
  const bronze = qualified(load.schema, load.table.name);
  const freeze = !load.table.partitionBy;
  const batch = load.batches.length === 1 ? load.batches[0] : undefined;
  const data = load.columns.map((c) => c.name);
  if (batch) {
    const [batchId, loadedAt] = [quoteIdent(BATCH_ID), quoteIdent(LOADED_AT)];
    await client.query(
      `ALTER TABLE ${bronze} ALTER COLUMN ${batchId} SET DEFAULT ${quoteLiteral(batch.batchId)}, ALTER COLUMN ${loadedAt} SET DEFAULT now()`,
    );
    const copied = await timed(log, "load rows into empty bronze (COPY)", () =>
      copyStream(client, bronze, data, () => load.data({ target: "bronze", bookkeeping: false }), freeze),
    );
    await client.query(
      `ALTER TABLE ${bronze} ALTER COLUMN ${batchId} DROP DEFAULT, ALTER COLUMN ${loadedAt} DROP DEFAULT`,
    );
    return copied;
  }
  const now = await client.query("SELECT now()::text AS t");
  const layout = { target: "bronze", loadedAt: now.rows[0].t as string } as const;
  return timed(log, "load rows into empty bronze (COPY)", () =>
    copyStream(client, bronze, [...data, BATCH_ID, LOADED_AT], () => load.data(layout), freeze),
  );
}

/**
 * The staged rows with one row per key: the staging table itself when keys are unique, else the latest row per
 * key by cursor (NULLs oldest), then batch order, then landing order. Returns the table and its row count.
 */
export async function latestPerKey(
  client: ClientBase,
  load: StagedLoad,
  staged: number,
  log: (m: string) => void,
): Promise<{ table: string; rows: number }> {
  if (load.uniqueKeys) return { table: STAGE, rows: staged };
  const names = new Set(load.columns.map((c: StagingColumn) => c.name));
  const key = load.table.primaryKey.map(quoteIdent);
  const order = [
    ...load.table.cursor.filter((c) => names.has(c)).map((c) => `${quoteIdent(c)} DESC NULLS LAST`),
    `${quoteIdent(STAGING_META[1])} DESC`,
    `${quoteIdent(STAGING_META[2])} DESC`,
  ];
  const result = await timed(log, "latest row per key", () =>
    client.query(`CREATE TEMP TABLE ${LATEST} ON COMMIT DROP AS
      SELECT DISTINCT ON (${key.join(", ")}) * FROM ${STAGE} ORDER BY ${[...key, ...order].join(", ")}`),
  );
  return { table: LATEST, rows: result.rowCount ?? 0 };
}
