import type { ClientBase } from "pg";
import { CAPTURE_FUNCTION } from "./capture.ts";
import { lockedTransaction } from "./sql.ts";

/**
 * The `_smelter` schema: bookkeeping that must commit in the same transaction as the data it describes.
 *
 * - `commit_versions`: one row per bronze commit that changed something; `version` is monotonic per table and
 *   is the change feed's `_commit_version`.
 * - `bronze_batches`: every applied batch (exactly-once): a replayed batch id is skipped. `version` is null when
 *   the batch changed nothing.
 * - `silver_checkpoints`: the last bronze version each silver model has merged.
 * - `change_feed_floor`: versions up to `floor_version` were pruned from the change feed.
 * - `change_orders`: the highest log order of the changes applied to a cdc table since its last snapshot: a
 *   change at or below it is a change landed again (changes.ts).
 * - `capture_changes()`: the function of bronze tables' capture triggers (capture.ts).
 */
const DDL = `
CREATE SCHEMA IF NOT EXISTS _smelter;
CREATE TABLE IF NOT EXISTS _smelter.commit_versions (
  pipeline text NOT NULL,
  table_name text NOT NULL,
  version bigint NOT NULL,
  committed_at timestamptz NOT NULL,
  batches integer NOT NULL,
  inserted bigint NOT NULL,
  updated bigint NOT NULL,
  deleted bigint NOT NULL,
  PRIMARY KEY (pipeline, table_name, version)
);
CREATE TABLE IF NOT EXISTS _smelter.bronze_batches (
  pipeline text NOT NULL,
  table_name text NOT NULL,
  batch_id text NOT NULL,
  version bigint,
  rows bigint NOT NULL,
  committed_at timestamptz NOT NULL,
  PRIMARY KEY (pipeline, table_name, batch_id)
);
CREATE TABLE IF NOT EXISTS _smelter.silver_checkpoints (
  pipeline text NOT NULL,
  model text NOT NULL,
  source_table text NOT NULL,
  version bigint NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (pipeline, model)
);
CREATE TABLE IF NOT EXISTS _smelter.change_orders (
  pipeline text NOT NULL,
  table_name text NOT NULL,
  max_order numeric NOT NULL,
  PRIMARY KEY (pipeline, table_name)
);
CREATE TABLE IF NOT EXISTS _smelter.change_feed_floor (
  pipeline text NOT NULL,
  table_name text NOT NULL,
  floor_version bigint NOT NULL,
  pruned_at timestamptz NOT NULL,
  PRIMARY KEY (pipeline, table_name)
);
${CAPTURE_FUNCTION}`;

/** The bookkeeping tables, for maintenance. */
export const METADATA_TABLES = [
  "commit_versions",
  "bronze_batches",
  "silver_checkpoints",
  "change_feed_floor",
  "change_orders",
].map((table) => ({ schema: "_smelter", table }));

/**
 * Connections (kept in the warehouse's pool, see pool.ts) that have seen the metadata schema complete: it is not
 * looked for again on them. Should it be dropped meanwhile, the next statement on it fails, the failing session
 * destroys its connection, and the next connection looks again.
 */
const checked = new WeakSet<ClientBase>();

/** Creates the metadata schema; the advisory lock keeps concurrent first runs from racing on CREATE. */
export async function ensureMetadata(client: ClientBase): Promise<void> {
  if (checked.has(client)) return;
  // The newest object: a schema created by an older version gets what it lacks.
  const exists = await client.query("SELECT to_regclass('_smelter.change_orders') IS NOT NULL AS ok");
  if (!exists.rows[0]?.ok) await lockedTransaction(client, "smelter:_smelter:ddl", () => client.query(DDL));
  checked.add(client);
}

/** Applied batch ids of a table. */
export async function checkpointedBatches(
  client: ClientBase,
  pipeline: string,
  table: string,
): Promise<Set<string>> {
  const result = await client.query(
    "SELECT batch_id FROM _smelter.bronze_batches WHERE pipeline = $1 AND table_name = $2",
    [pipeline, table],
  );
  return new Set(result.rows.map((r) => r.batch_id as string));
}

/** The newest commit version of table `$2` of pipeline `$1` as a scalar subquery; 0 before its first change. */
export const CURRENT_VERSION =
  "(SELECT coalesce(max(version), 0)::bigint FROM _smelter.commit_versions WHERE pipeline = $1 AND table_name = $2)";

/** The table's newest commit version; 0 before its first change. */
export async function currentVersion(client: ClientBase, pipeline: string, table: string): Promise<number> {
  const result = await client.query(`SELECT ${CURRENT_VERSION} AS v`, [pipeline, table]);
  return Number(result.rows[0].v);
}

/**
 * What a silver run starts from, in one round trip: the model's checkpoint (0 before its first run), the table's
 * retention floor (0 when nothing was pruned) and its newest version.
 */
export async function silverStart(
  client: ClientBase,
  pipeline: string,
  table: string,
  model: string,
): Promise<{ checkpoint: number; floor: number; version: number }> {
  const result = await client.query(
    `SELECT coalesce((SELECT version FROM _smelter.silver_checkpoints WHERE pipeline = $1 AND model = $3), 0) AS checkpoint,
            coalesce((SELECT floor_version FROM _smelter.change_feed_floor WHERE pipeline = $1 AND table_name = $2), 0) AS floor,
            ${CURRENT_VERSION} AS version`,
    [pipeline, table, model],
  );
  const row = result.rows[0];
  return { checkpoint: Number(row.checkpoint), floor: Number(row.floor), version: Number(row.version) };
}

/** Change rows (pre-images aside) a commit version wrote: its inserts, updates and deletes. */
export async function changeRows(
  client: ClientBase,
  pipeline: string,
  table: string,
  version: number,
): Promise<number> {
  const result = await client.query(
    `SELECT inserted + updated + deleted AS n FROM _smelter.commit_versions
      WHERE pipeline = $1 AND table_name = $2 AND version = $3`,
    [pipeline, table, version],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** Versions up to the floor were pruned from the change feed; 0 when nothing was. */
export async function retentionFloor(client: ClientBase, pipeline: string, table: string): Promise<number> {
  const result = await client.query(
    "SELECT floor_version FROM _smelter.change_feed_floor WHERE pipeline = $1 AND table_name = $2",
    [pipeline, table],
  );
  return result.rows.length ? Number(result.rows[0].floor_version) : 0;
}

/** The last version a silver model has merged; 0 before its first run. */
export async function silverCheckpoint(client: ClientBase, pipeline: string, model: string): Promise<number> {
  const result = await client.query(
    "SELECT version FROM _smelter.silver_checkpoints WHERE pipeline = $1 AND model = $2",
    [pipeline, model],
  );
  return result.rows.length ? Number(result.rows[0].version) : 0;
}

/** Sets a silver model's checkpoint (inside the caller's transaction). */
export async function setSilverCheckpoint(
  client: ClientBase,
  pipeline: string,
  model: string,
  table: string,
  version: number,
): Promise<void> {
  await client.query(
    `INSERT INTO _smelter.silver_checkpoints (pipeline, model, source_table, version, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (pipeline, model) DO UPDATE SET source_table = EXCLUDED.source_table,
       version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`,
    [pipeline, model, table, version],
  );
}

/** Records a bronze commit: the version row (when something changed) and every batch's checkpoint. */
export async function recordBronzeCommit(
  client: ClientBase,
  pipeline: string,
  table: string,
  version: number | null,
  counts: { inserted: number; updated: number; deleted: number },
  batches: { batchId: string; rows: number }[],
): Promise<void> {
  // One statement: the version row (its CTE runs although nothing reads it) and the batches' checkpoints.
  await client.query(
    `WITH version_row AS (
       INSERT INTO _smelter.commit_versions
         (pipeline, table_name, version, committed_at, batches, inserted, updated, deleted)
       SELECT $1, $2, $3, now(), $6, $7, $8, $9 WHERE $3::bigint IS NOT NULL)
     INSERT INTO _smelter.bronze_batches (pipeline, table_name, batch_id, version, rows, committed_at)
     SELECT $1, $2, b, $3, r, now() FROM unnest($4::text[], $5::bigint[]) AS t(b, r)`,
    [
      pipeline,
      table,
      version,
      batches.map((b) => b.batchId),
      batches.map((b) => b.rows),
      batches.length,
      counts.inserted,
      counts.updated,
      counts.deleted,
    ],
  );
}

/** One commit version of a table and what it changed. */
export async function recordVersion(
  client: ClientBase,
  pipeline: string,
  table: string,
  version: number,
  counts: { inserted: number; updated: number; deleted: number },
  batches: number,
): Promise<void> {
  await client.query(
    `INSERT INTO _smelter.commit_versions
       (pipeline, table_name, version, committed_at, batches, inserted, updated, deleted)
     VALUES ($1, $2, $3, now(), $4, $5, $6, $7)`,
    [pipeline, table, version, batches, counts.inserted, counts.updated, counts.deleted],
  );
}

/** The batches a commit applied, checkpointed with its (last) version, or null when nothing changed. */
export async function recordBatches(
  client: ClientBase,
  pipeline: string,
  table: string,
  version: number | null,
  batches: { batchId: string; rows: number }[],
): Promise<void> {
  await client.query(
    `INSERT INTO _smelter.bronze_batches (pipeline, table_name, batch_id, version, rows, committed_at)
     SELECT $1, $2, b, $3, r, now() FROM unnest($4::text[], $5::bigint[]) AS t(b, r)`,
    [pipeline, table, version, batches.map((b) => b.batchId), batches.map((b) => b.rows)],
  );
}

/** The highest log order applied to a cdc table since its last snapshot; null when none. */
export async function changeOrder(
  client: ClientBase,
  pipeline: string,
  table: string,
): Promise<string | null> {
  const result = await client.query(
    "SELECT max_order::text AS o FROM _smelter.change_orders WHERE pipeline = $1 AND table_name = $2",
    [pipeline, table],
  );
  return (result.rows[0]?.o as string | undefined) ?? null;
}

/** Raises a cdc table's highest applied log order to `order` (never lowers it); null forgets it (a snapshot). */
export async function recordChangeOrder(
  client: ClientBase,
  pipeline: string,
  table: string,
  order: string | null,
): Promise<void> {
  if (order === null) {
    await client.query("DELETE FROM _smelter.change_orders WHERE pipeline = $1 AND table_name = $2", [
      pipeline,
      table,
    ]);
    return;
  }
  await client.query(
    `INSERT INTO _smelter.change_orders AS o (pipeline, table_name, max_order) VALUES ($1, $2, $3::numeric)
     ON CONFLICT (pipeline, table_name) DO UPDATE SET max_order = greatest(o.max_order, EXCLUDED.max_order)`,
    [pipeline, table, order],
  );
}
