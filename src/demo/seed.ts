import { createHash } from "node:crypto";
import type mysql from "mysql2/promise";
import {
  type DatasetSizes,
  DEFAULT_SEED,
  GENERATOR_VERSION,
  generateAccounts,
  generateDailyMetrics,
  generatePosts,
  networkTypeRows,
  type Row,
  sizesFor,
} from "./dataset.ts";
import {
  DAILY_METRICS,
  DEMO_TABLES,
  type DemoTable,
  NETWORK_ACCOUNT_TYPES,
  NETWORK_ACCOUNTS,
  POSTS,
  ROUNDS_DDL,
  SEED_MARKER_DDL,
} from "./schema.ts";

/** Options of `seedDemo`; every one has a default. */
export interface SeedOptions {
  /** PRNG seed; default "smelter-demo". */
  seed?: string;
  /** Size factor; 1 (default) gives 20k accounts, 150k posts and 150k daily metrics. */
  scale?: number;
  /** Drop and reload even when the same seed is already loaded; default false. */
  force?: boolean;
  /** Progress messages. */
  log?: (message: string) => void;
}

export interface SeedResult {
  /** True when the same seed was found loaded and nothing was written. */
  skipped: boolean;
  seed: string;
  scale: number;
  sizes: DatasetSizes;
  /** sha256 over every generated row; equal hashes mean equal data. */
  contentHash: string;
  durationMs: number;
}

/** Rows sent per INSERT statement: large enough to amortise round trips, well under max_allowed_packet. */
const BATCH_ROWS = 2000;

/** The tables of one seed with their rows, generated lazily so that large scales stream. */
export function* datasetTables(
  seed: string,
  scale: number,
): Generator<{ table: DemoTable; rows: Iterable<Row> }> {
  const sizes = sizesFor(scale);
  const accounts = generateAccounts(seed, sizes.networkAccounts);
  yield { table: NETWORK_ACCOUNT_TYPES, rows: networkTypeRows() };
  yield { table: NETWORK_ACCOUNTS, rows: accounts.rows };
  yield { table: POSTS, rows: generatePosts(seed, accounts.profiles, sizes.posts) };
  yield { table: DAILY_METRICS, rows: generateDailyMetrics(seed, accounts.profiles, sizes.dailyMetrics) };
}

/** A row hash that a Hash can be fed with, table after table, independent of batching. */
function hashRow(hash: ReturnType<typeof createHash>, table: string, row: Row): void {
  hash.update(table);
  hash.update(JSON.stringify(row));
  hash.update("\n");
}

/** sha256 of a whole seed without touching a database (what the unit tests and `--dry-run` use). */
export function datasetHash(seed: string, scale: number): { hash: string; rows: Record<string, number> } {
  const hash = createHash("sha256");
  const rows: Record<string, number> = {};
  for (const { table, rows: tableRows } of datasetTables(seed, scale)) {
    let n = 0;
    for (const row of tableRows) {
      hashRow(hash, table.name, row);
      n++;
    }
    rows[table.name] = n;
  }
  return { hash: hash.digest("hex"), rows };
}

interface SeedMarker {
  generator_version: number;
  seed: string;
  scale: number;
  sizes: DatasetSizes | string;
  content_hash: string;
}

/** The loaded seed, when it is complete: the marker exists and so does every data table. */
export async function loadedSeed(conn: mysql.Connection): Promise<SeedMarker | null> {
  await conn.query(SEED_MARKER_DDL);
  const [markers] = await conn.query<(SeedMarker & mysql.RowDataPacket)[]>(
    "SELECT generator_version, seed, scale, sizes, content_hash FROM _demo_seed WHERE id = 1",
  );
  const marker = markers[0];
  if (!marker) return null;
  const [tables] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (?)",
    [DEMO_TABLES.map((t) => t.name)],
  );
  return tables.length === DEMO_TABLES.length ? marker : null;
}

/**
 * Loads the demo data set into the connection's database (normally `social`). Idempotent: when the marker says
 * the same generator version, seed and scale are loaded, nothing is written. Otherwise the demo tables are
 * dropped and recreated, each table is filled in one transaction with multi-row INSERTs, and the marker is
 * written last, so an interrupted seed is redone by the next call. Reseeding also forgets applied rounds of
 * changes, since they applied to the old rows.
 */
export async function seedDemo(conn: mysql.Connection, options: SeedOptions = {}): Promise<SeedResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? 1;
  const sizes = sizesFor(scale);
  const log = options.log ?? (() => {});
  const started = Date.now();

  const existing = await loadedSeed(conn);
  if (
    !options.force &&
    existing &&
    existing.generator_version === GENERATOR_VERSION &&
    existing.seed === seed &&
    Number(existing.scale) === scale
  ) {
    log(`seed "${seed}" at scale ${scale} is already loaded; nothing to do`);
    return {
      skipped: true,
      seed,
      scale,
      sizes,
      contentHash: existing.content_hash,
      durationMs: Date.now() - started,
    };
  }

  await conn.query("DELETE FROM _demo_seed");
  await conn.query(ROUNDS_DDL);
  await conn.query("DELETE FROM _demo_rounds");
  const hash = createHash("sha256");
  for (const { table, rows } of datasetTables(seed, scale)) {
    const tableStarted = Date.now();
    await conn.query(`DROP TABLE IF EXISTS \`${table.name}\``);
    await conn.query(table.ddl);
    const count = await insertInTransaction(conn, table, rows, (row) => hashRow(hash, table.name, row));
    log(
      `${table.name}: ${count.toLocaleString("en-US")} rows in ${((Date.now() - tableStarted) / 1000).toFixed(1)}s`,
    );
  }
  const contentHash = hash.digest("hex");
  await conn.query(
    "INSERT INTO _demo_seed (id, generator_version, seed, scale, sizes, content_hash, seeded_at) " +
      "VALUES (1, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
    [GENERATOR_VERSION, seed, scale, JSON.stringify(sizes), contentHash],
  );
  return { skipped: false, seed, scale, sizes, contentHash, durationMs: Date.now() - started };
}

/** Inserts rows in batches inside one transaction; `onRow` sees every row in order. Returns the row count. */
async function insertInTransaction(
  conn: mysql.Connection,
  table: DemoTable,
  rows: Iterable<Row>,
  onRow: (row: Row) => void,
): Promise<number> {
  await conn.beginTransaction();
  try {
    const count = await insertRows(conn, table, rows, onRow);
    await conn.commit();
    return count;
  } catch (error) {
    await conn.rollback();
    throw error;
  }
}

/**
 * Inserts rows with multi-row INSERTs of BATCH_ROWS rows, in whatever transaction the caller has open.
 * `onRow` sees every row in order. Returns the row count.
 */
export async function insertRows(
  conn: mysql.Connection,
  table: DemoTable,
  rows: Iterable<Row>,
  onRow: (row: Row) => void = () => {},
): Promise<number> {
  const sql = `INSERT INTO \`${table.name}\` (${table.columns.map((c) => `\`${c}\``).join(", ")}) VALUES ?`;
  let batch: Row[] = [];
  let count = 0;
  for (const row of rows) {
    onRow(row);
    batch.push(row);
    count++;
    if (batch.length >= BATCH_ROWS) {
      await conn.query(sql, [batch]);
      batch = [];
    }
  }
  if (batch.length > 0) await conn.query(sql, [batch]);
  return count;
}
