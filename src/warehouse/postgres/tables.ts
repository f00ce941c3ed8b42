import type { ClientBase } from "pg";
import { ConfigError } from "../../errors.ts";
import type { TableSpec } from "../../spec/types.ts";
import { evolveBronze, RESCUED } from "../evolution.ts";
import { qualified, quoteIdent, sqlType } from "./sql.ts";
import type { StagedLoad, StagingColumn } from "./staging/types.ts";

/** Bookkeeping columns of a bronze row. `_rescued_data` exists only in `rescue` mode. */
export const BATCH_ID = "_smelter_batch_id";
export const LOADED_AT = "_smelter_loaded_at";
export { RESCUED };
const BRONZE_META = new Set([BATCH_ID, LOADED_AT, RESCUED]);

/**
 * Storage of bronze tables (and their partitions; a partitioned parent takes none): a tenth of each page left
 * free, so that an update can write the new row version on the same page without a new primary-key entry (a
 * HOT update): a 1% batch's MERGE takes about a quarter less time, for an eleventh more pages.
 */
const BRONZE_STORAGE = " WITH (fillfactor = 90)";

/**
 * CREATE SCHEMA IF NOT EXISTS inside the caller's transaction, tolerating a concurrent transaction that creates
 * the same schema (the first loads of a pipeline's tables run at once): PostgreSQL then raises a unique violation
 * on pg_namespace once the other one commits, after which the schema exists. A savepoint keeps the transaction.
 */
export async function ensureSchema(client: ClientBase, schema: string): Promise<void> {
  await client.query("SAVEPOINT smelter_schema");
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== "23505") throw error;
    await client.query("ROLLBACK TO SAVEPOINT smelter_schema");
  }
  await client.query("RELEASE SAVEPOINT smelter_schema");
}

/** Change feed columns added after the bronze columns. */
export const CHANGE_TYPE = "_change_type";
export const COMMIT_VERSION = "_commit_version";
export const COMMIT_TIMESTAMP = "_commit_timestamp";

/** A bronze table as a commit sees it after schema evolution. */
export interface BronzeShape {
  /** Data columns of the bronze table (every one, including those the batch lacks), with their types. */
  columns: StagingColumn[];
  /** Staging columns unknown to bronze whose values go into `_rescued_data` (rescue mode). */
  rescued: string[];
  /** Columns of the batches this commit added to bronze (`add_columns` mode). */
  added: string[];
  hasRescue: boolean;
  /**
   * The table was created by this commit, from the staged columns and types, and still lacks its cluster index and
   * capture triggers (added after its rows).
   */
  created: boolean;
  /** The change feed was created by this commit and still lacks its version index (`indexChangeFeed`). */
  feedCreated: boolean;
}

/** Columns of a table in order (name → formatted type), or null when it does not exist. */
export async function tableColumns(
  client: ClientBase,
  schema: string,
  table: string,
): Promise<StagingColumn[] | null> {
  const result = await client.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [qualified(schema, table)],
  );
  if (result.rows.length === 0) {
    const exists = await client.query("SELECT to_regclass($1) IS NOT NULL AS ok", [qualified(schema, table)]);
    return exists.rows[0].ok ? [] : null;
  }
  return result.rows as StagingColumn[];
}

/** The change feed table of a bronze table. */
export function changesName(table: string): string {
  return `${table}__changes`;
}

function columnDefs(columns: StagingColumn[], notNull: string[], where: string): string[] {
  return columns.map(
    (c) =>
      `${quoteIdent(c.name)} ${sqlType(c.type, `${where} column ${c.name}`)}${notNull.includes(c.name) ? " NOT NULL" : ""}`,
  );
}

async function createBronze(client: ClientBase, load: StagedLoad): Promise<void> {
  const { schema, table } = load;
  const where = `bronze table ${schema}.${table.name}`;
  const part = table.partitionBy;
  const key = [...table.primaryKey];
  // PostgreSQL requires the partition column in every unique constraint; keys stay unique by primary key anyway
  // because bronze is only written through the deduplicating merge.
  if (part && !key.includes(part.column)) key.push(part.column);
  const rescue = table.bronze.schemaEvolution === "rescue";
  const defs = [
    ...columnDefs(load.columns, key, where),
    `${quoteIdent(BATCH_ID)} text NOT NULL`,
    `${quoteIdent(LOADED_AT)} timestamptz NOT NULL`,
    ...(rescue ? [`${quoteIdent(RESCUED)} jsonb`] : []),
    `PRIMARY KEY (${key.map(quoteIdent).join(", ")})`,
  ];
  const partitioning = part ? ` PARTITION BY ${part.kind.toUpperCase()} (${quoteIdent(part.column)})` : "";
  const name = qualified(schema, table.name);
  await ensureSchema(client, schema);
  const storage = part ? "" : BRONZE_STORAGE;
  await client.query(`CREATE TABLE ${name} (\n  ${defs.join(",\n  ")}\n)${partitioning}${storage}`);
  if (part?.kind === "hash") {
    const n = part.partitions ?? 8;
    for (let i = 0; i < n; i++) {
      await client.query(
        `CREATE TABLE ${qualified(schema, `${table.name}__p${i}`)} PARTITION OF ${name} FOR VALUES WITH (MODULUS ${n}, REMAINDER ${i})${BRONZE_STORAGE}`,
      );
    }
  }
}

/**
 * The bronze table's `cluster_by` index (for a spec that names cluster columns). Built by the commit that created the table once
 * its rows are in: one sort of the initial load costs less than inserting every row into the index (the
 * bench's posts, 937,500 rows, in psql: 7.5-9.1 s with the index maintained by the COPY, 0.3 s less built after).
 */
export async function indexBronze(client: ClientBase, schema: string, table: TableSpec): Promise<void> {
  await client.query(
    `CREATE INDEX ${quoteIdent(`${table.name}__cluster`)} ON ${qualified(schema, table.name)} (${table.clusterBy.map(quoteIdent).join(", ")})`,
  );
}

/**
 * Creates the change feed table (without its version index: see `indexChangeFeed`) or adds the bronze columns it
 * lacks; `bronze` is the bronze table's columns as they are now. Returns whether it was created.
 */
async function ensureChanges(
  client: ClientBase,
  schema: string,
  table: string,
  bronze: StagingColumn[],
): Promise<boolean> {
  const changes = qualified(schema, changesName(table));
  const existing = await tableColumns(client, schema, changesName(table));
  if (existing === null) {
    const defs = [
      ...bronze.map((c) => `${quoteIdent(c.name)} ${c.type}`),
      `${quoteIdent(CHANGE_TYPE)} text NOT NULL`,
      `${quoteIdent(COMMIT_VERSION)} bigint NOT NULL`,
      `${quoteIdent(COMMIT_TIMESTAMP)} timestamptz NOT NULL`,
    ];
    await client.query(`CREATE TABLE ${changes} (\n  ${defs.join(",\n  ")}\n)`);
    return true;
  }
  const have = new Set(existing.map((c) => c.name));
  for (const c of bronze) {
    if (!have.has(c.name))
      await client.query(`ALTER TABLE ${changes} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`);
  }
  return false;
}

/**
 * The change feed's index on `_commit_version` (what silver and retention read by). Built by the commit that
 * created the feed once its rows are written: one sort of an initial load's rows costs a fraction of
 * maintaining the index row by row.
 */
export async function indexChangeFeed(client: ClientBase, schema: string, table: string): Promise<void> {
  const changes = qualified(schema, changesName(table));
  await client.query(
    `CREATE INDEX ${quoteIdent(`${changesName(table)}__version`)} ON ${changes} (${quoteIdent(COMMIT_VERSION)})`,
  );
}

/**
 * Creates the bronze table (and its change feed) on first use, and applies the table's schema evolution mode to
 * columns the batches bring that bronze lacks, as `evolveBronze` decides: `add_columns` adds them, `rescue` routes
 * their values into `_rescued_data`, `fail` stops with a DataError naming them. Columns bronze has and the batches
 * lack stay, and are NULL in the rows these batches write. Runs inside the commit's transaction (PostgreSQL DDL is
 * transactional).
 */
export async function prepareBronze(client: ClientBase, load: StagedLoad): Promise<BronzeShape> {
  const { schema, table } = load;
  let existing = await tableColumns(client, schema, table.name);
  const created = existing === null;
  if (existing === null) {
    await createBronze(client, load);
    existing = await tableColumns(client, schema, table.name);
  }
  const evolution = evolveBronze(load, load.columns, existing ?? []);
  const name = qualified(schema, table.name);
  for (const c of evolution.add) {
    await client.query(
      `ALTER TABLE ${name} ADD COLUMN ${quoteIdent(c.name)} ${sqlType(c.type, `${schema}.${table.name}.${c.name}`)}`,
    );
  }
  if (evolution.addRescueColumn) {
    await client.query(`ALTER TABLE ${name} ADD COLUMN ${quoteIdent(RESCUED)} jsonb`);
  }
  if (evolution.add.length > 0 || evolution.rescued.length > 0) {
    existing = await tableColumns(client, schema, table.name);
  }
  const all = existing ?? [];
  const feedCreated = table.bronze.changeFeed ? await ensureChanges(client, schema, table.name, all) : false;
  for (const k of table.primaryKey) {
    if (!all.some((c) => c.name === k)) {
      throw new ConfigError(
        `bronze table ${schema}.${table.name}: primary key column ${k} is not in the table`,
      );
    }
  }
  return {
    columns: all.filter((c) => !BRONZE_META.has(c.name)),
    rescued: evolution.rescued,
    added: evolution.add.map((c) => c.name),
    hasRescue: all.some((c) => c.name === RESCUED),
    created,
    feedCreated,
  };
}

/** List partitioning: creates the partitions the rows about to be written need (one per value). */
export async function ensureListPartitions(
  client: ClientBase,
  schema: string,
  table: string,
  column: string,
  source: string,
): Promise<void> {
  const result = await client.query(
    `SELECT DISTINCT ${quoteIdent(column)}::text AS v FROM ${source}
      WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                         WHERE i.inhparent = to_regclass($1)
                           AND c.relname = $2 || '__p_' || left(md5(coalesce(${quoteIdent(column)}::text, '<null>')), 12))`,
    [qualified(schema, table), table],
  );
  for (const row of result.rows) {
    const value = row.v as string | null;
    const hash = await client.query(
      "SELECT left(md5(coalesce($1::text, '<null>')), 12) AS h, quote_nullable($1::text) AS lit",
      [value],
    );
    const { h, lit } = hash.rows[0];
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${qualified(schema, `${table}__p_${h}`)} PARTITION OF ${qualified(schema, table)} FOR VALUES IN (${lit})${BRONZE_STORAGE}`,
    );
  }
}
