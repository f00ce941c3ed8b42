import { ConfigError } from "../../errors.ts";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { evolveBronze, RESCUED } from "../evolution.ts";
import type { BronzeLoad } from "../types.ts";
import type { SparkClient } from "./client.ts";
import { literal, qualified, quoteIdent, sameValues } from "./sql.ts";
import { columnType } from "./types.ts";

/** Bookkeeping columns of a bronze row, as PostgreSQL has them. `_rescued_data` exists only in `rescue` mode. */
export const BATCH_ID = "_smelter_batch_id";
export const LOADED_AT = "_smelter_loaded_at";
export { RESCUED };
const BRONZE_META = new Set([BATCH_ID, LOADED_AT, RESCUED]);

/**
 * Whether bronze row `b` takes staged row `x` (of the columns `names`) in an update: their data differ (null-safe),
 * or, for a cdc table, `b`'s log position is above `x`'s. The operation, position and commit time of a cdc
 * table's row say where it came from, not what it holds, so a re-sync leaves rows with equal data alone; but when
 * the source's log started over (a rebuilt server, a new primary), its snapshot rows carry lower positions than
 * bronze's, and they must lower them, or the changes after the snapshot would be taken for changes already applied.
 */
export function takesRow(names: string[]): string {
  const bookkeeping = new Set<string>(Object.values(CHANGE_COLUMNS));
  const differs = `NOT (${sameValues(
    "b",
    "x",
    names.filter((n) => !bookkeeping.has(n)),
  )})`;
  if (!names.includes(CHANGE_COLUMNS.order)) return differs;
  const order = quoteIdent(CHANGE_COLUMNS.order);
  return `(${differs} OR b.${order} > x.${order})`;
}

/** A column and its Spark type (as DESCRIBE prints it, e.g. `bigint`, `decimal(20,4)`). */
export interface TypedColumn {
  name: string;
  type: string;
}

/** Whether a Spark error says a table (or its schema) does not exist. */
export function isMissing(error: unknown): boolean {
  return /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|NoSuchTableException|NoSuchDatabaseException/.test(
    String((error as Error)?.message ?? error),
  );
}

/** A table's columns in order and (with `extended`) its table properties. */
interface DescribedTable {
  columns: TypedColumn[];
  properties: Map<string, string>;
}

/**
 * Columns the execution a Thrift session serves has described, by table: what it reports of the tables it wrote
 * (lineage) needs no other `DESCRIBE` (0.2–0.4 s each). Started afresh for each execution (`watchColumns`); DDL the
 * execution runs on a table drops the table's entry unless it describes the table again.
 */
const described = new WeakMap<SparkClient, Map<string, TypedColumn[]>>();

/** Starts remembering, for the execution `client` now serves, the columns it describes. */
export function watchColumns(client: SparkClient): void {
  described.set(client, new Map());
}

/** The table changed (DDL): its columns are described again when asked for. */
export function tableChanged(client: SparkClient, schema: string, table: string): void {
  described.get(client)?.delete(qualified(schema, table));
}

/** Columns of a table in order as this execution last described them, else described now; null when missing. */
export async function seenColumns(
  client: SparkClient,
  schema: string,
  table: string,
): Promise<TypedColumn[] | null> {
  return described.get(client)?.get(qualified(schema, table)) ?? tableColumns(client, schema, table);
}

/**
 * `DESCRIBE TABLE [EXTENDED]` of a table, or null when it does not exist. The extended form adds a row
 * `Table Properties` = `[key=value,key=value,...]`, read here so that a commit need not ask for them separately.
 */
async function describeTable(
  client: SparkClient,
  schema: string,
  table: string,
  extended: boolean,
): Promise<DescribedTable | null> {
  let rows: Awaited<ReturnType<SparkClient["query"]>>;
  try {
    rows = await client.query(`DESCRIBE TABLE${extended ? " EXTENDED" : ""} ${qualified(schema, table)}`);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const columns: TypedColumn[] = [];
  const properties = new Map<string, string>();
  let inColumns = true;
  for (const r of rows) {
    const name = r.col_name ?? "";
    // Partitioning, clustering and the detailed information follow the columns after an empty or `#` row.
    if (name === "" || name.startsWith("#")) inColumns = false;
    if (inColumns) columns.push({ name, type: r.data_type ?? "" });
    else if (name === "Table Properties") {
      const text = (r.data_type ?? "").replace(/^\[|\]$/g, "");
      for (const pair of text.split(/,(?=[\w.-]+=)/)) {
        const at = pair.indexOf("=");
        if (at > 0) properties.set(pair.slice(0, at), pair.slice(at + 1));
      }
    }
  }
  described.get(client)?.set(qualified(schema, table), columns);
  return { columns, properties };
}

/** Columns of a table in order, or null when it does not exist. */
export async function tableColumns(
  client: SparkClient,
  schema: string,
  table: string,
): Promise<TypedColumn[] | null> {
  return (await describeTable(client, schema, table, false))?.columns ?? null;
}

/**
 * Table properties Delta maintains by itself through a rewrite, not restated: the protocol (versions, features),
 * clustering, and the bookkeeping of column mapping and row tracking.
 */
const KEPT_BY_DELTA =
  /^(delta\.minReaderVersion|delta\.minWriterVersion|delta\.feature\..+|clusteringColumns|delta\.columnMapping\.maxColumnId|delta\.rowTracking\.materialized.+)$/;

/**
 * The statement that gives columns of a Delta table other types whatever their kinds (`types`: name → Spark type).
 * Delta changes no column's kind in place (type widening stays within numbers and within dates), so the table is
 * rewritten by one `CREATE OR REPLACE TABLE ... AS SELECT` of itself: those columns cast, every column in its place,
 * the clustering and the table's own properties restated. A replace is one Delta commit that keeps the table's
 * history and its idempotent-write transactions, so bronze's recorded commits stay valid; it takes the columns'
 * nullability from the query, so key columns lose their NOT NULL (Delta sets none on an existing column).
 */
export async function rewriteWithTypes(
  client: SparkClient,
  schema: string,
  table: string,
  types: ReadonlyMap<string, string>,
): Promise<string> {
  const described = await describeTable(client, schema, table, true);
  if (!described) throw new Error(`table ${schema}.${table} is missing`);
  const name = qualified(schema, table);
  const select = described.columns.map((c) => {
    const type = types.get(c.name);
    return type ? `CAST(${quoteIdent(c.name)} AS ${type}) AS ${quoteIdent(c.name)}` : quoteIdent(c.name);
  });
  const clustering = described.properties.get("clusteringColumns");
  const paths = clustering ? (JSON.parse(clustering) as string[][]) : [];
  const cluster = paths.length
    ? ` CLUSTER BY (${paths.map((p) => p.map(quoteIdent).join(".")).join(", ")})`
    : "";
  const props = [...described.properties]
    .filter(([k]) => !KEPT_BY_DELTA.test(k))
    .map(([k, v]) => `${literal(k)} = ${literal(v)}`);
  const properties = props.length ? ` TBLPROPERTIES (${props.join(", ")})` : "";
  return `CREATE OR REPLACE TABLE ${name} USING DELTA${cluster}${properties} AS SELECT ${select.join(", ")} FROM ${name}`;
}

/** Creates a schema if missing, under the connection's `location` when it sets one. */
export async function ensureSchema(client: SparkClient, schema: string): Promise<void> {
  const where = client.location
    ? ` LOCATION ${literal(`${client.location.replace(/\/+$/, "")}/${schema}`)}`
    : "";
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}${where}`);
}

/** A bronze table as a commit sees it after schema evolution. */
export interface BronzeShape {
  /** Data columns of the bronze table (every one, including those the batches lack), with their types. */
  columns: TypedColumn[];
  /** Landed columns unknown to bronze whose values go into `_rescued_data` (rescue mode). */
  rescued: string[];
  /** Columns of the batches this commit added to bronze (`add_columns` mode). */
  added: string[];
  hasRescue: boolean;
  /** The table was created by this commit: it holds no row yet. */
  created: boolean;
}

async function createBronze(client: SparkClient, load: BronzeLoad): Promise<void> {
  const { schema, table } = load;
  const defs = [
    ...load.columns.map(
      (c) => `${quoteIdent(c.name)} ${columnType(c)}${table.primaryKey.includes(c.name) ? " NOT NULL" : ""}`,
    ),
    `${quoteIdent(BATCH_ID)} STRING NOT NULL`,
    `${quoteIdent(LOADED_AT)} TIMESTAMP NOT NULL`,
    ...(table.bronze.schemaEvolution === "rescue" ? [`${quoteIdent(RESCUED)} STRING`] : []),
  ];
  const cluster = table.clusterBy.length ? ` CLUSTER BY (${table.clusterBy.map(quoteIdent).join(", ")})` : "";
  const feed = table.bronze.changeFeed ? " TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')" : "";
  await ensureSchema(client, schema);
  tableChanged(client, schema, table.name);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, table.name)} (\n  ${defs.join(",\n  ")}\n) USING DELTA${cluster}${feed}`,
  );
}

/**
 * Refuses a bronze table whose change data feed was turned off outside smelter: its commits would reach no
 * silver model. Nothing is written before this check.
 */
function checkChangeFeed(described: DescribedTable, schema: string, table: string): void {
  const name = qualified(schema, table);
  if (described.properties.get("delta.enableChangeDataFeed")?.toLowerCase() === "true") return;
  throw new ConfigError(
    `bronze table ${schema}.${table}: its change data feed is off (delta.enableChangeDataFeed), so silver would miss this commit's changes; turn it back on with ALTER TABLE ${name} SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true') and rebuild the silver models that read it (smelter rebuild-silver), or set tables.${table}.bronze.changeFeed: false (retrying will not help)`,
  );
}

/**
 * Creates the bronze table (Delta, change data feed on, liquid clustering by `cluster_by`) on first use, and
 * applies the table's schema evolution mode to columns the batches bring that bronze lacks, as `evolveBronze`
 * decides: `add_columns` adds them, `rescue` routes their values into `_rescued_data`, `fail` stops with a
 * DataError naming them before anything is written. Columns bronze has and the batches lack stay, and are NULL in
 * the rows these batches write. DDL is its own Delta commit: a crash after it leaves an empty table or an added
 * column, which the retry keeps. An existing table whose change data feed was turned off outside smelter is
 * refused (a ConfigError).
 */
export async function prepareBronze(client: SparkClient, load: BronzeLoad): Promise<BronzeShape> {
  const { schema, table } = load;
  const described = await describeTable(client, schema, table.name, true);
  const created = described === null;
  if (described === null) await createBronze(client, load);
  else if (table.bronze.changeFeed) checkChangeFeed(described, schema, table.name);
  let existing = described?.columns ?? (await tableColumns(client, schema, table.name)) ?? [];
  const evolution = evolveBronze(load, load.columns, existing);
  const name = qualified(schema, table.name);
  if (evolution.add.length > 0) {
    const defs = evolution.add.map((c) => `${quoteIdent(c.name)} ${columnType(c)}`);
    tableChanged(client, schema, table.name);
    await client.query(`ALTER TABLE ${name} ADD COLUMNS (${defs.join(", ")})`);
  }
  if (evolution.addRescueColumn) {
    tableChanged(client, schema, table.name);
    await client.query(`ALTER TABLE ${name} ADD COLUMNS (${quoteIdent(RESCUED)} STRING)`);
  }
  if (evolution.add.length > 0 || evolution.rescued.length > 0) {
    existing = (await tableColumns(client, schema, table.name)) ?? [];
  }
  for (const k of table.primaryKey) {
    if (!existing.some((c) => c.name === k)) {
      throw new ConfigError(
        `bronze table ${schema}.${table.name}: primary key column ${k} is not in the table`,
      );
    }
  }
  return {
    columns: existing.filter((c) => !BRONZE_META.has(c.name)),
    rescued: evolution.rescued,
    added: evolution.add.map((c) => c.name),
    hasRescue: existing.some((c) => c.name === RESCUED),
    created,
  };
}
