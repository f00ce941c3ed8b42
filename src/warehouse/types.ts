import type { Readable } from "node:stream";
import type { BatchManifest } from "../landing/types.ts";
import type { ResolvedDatabase } from "../spec/resolve.ts";
import type { SilverModel, TableSpec } from "../spec/types.ts";

/**
 * The contract between the bronze/silver executors and a warehouse. A warehouse is one folder
 * (`src/warehouse/<kind>/`) exporting a `WarehouseDialect`; what differs between warehouses is declared as
 * capability flags, read by shared code, never as `if (kind === ...)` elsewhere.
 */

/** How a warehouse can apply changes. */
export type MergeStrategy = "upsert" | "scd2";

/** What a warehouse can do; shared code reads these flags instead of asking which warehouse it is. */
export interface WarehouseCapabilities {
  /** A `MERGE` statement exists (PostgreSQL 15+). */
  supportsMerge: boolean;
  /** `MERGE ... RETURNING` exists (PostgreSQL 17+); without it, changes are classified before the MERGE. */
  supportsReturningFromMerge: boolean;
  /** DDL takes part in transactions, so a table created or altered by a failed batch rolls back with it. */
  transactionalDdl: boolean;
  mergeStrategies: MergeStrategy[];
  /** Partitioning kinds `TableSpec.partitionBy` may ask for. */
  partitioning: ("list" | "hash")[];
  /** The staging file format `applyBronze` loads: CSV (PostgreSQL COPY) or parquet as landed. */
  stagingFormat: "csv" | "parquet";
}

/** A column of a staging file: its name and the warehouse type it is parsed as. */
export interface StagingColumn {
  name: string;
  type: string;
}

/**
 * The CSV dialect of `stagingFormat: "csv"` files: tab-separated, with byte 0x01 as the quote (doubled inside a
 * quoted value). JSON and text are full of double quotes and almost never hold tabs, newlines or 0x01, so values
 * go unquoted and neither side escapes every quote: DuckDB prints the bench's posts 30% faster and PostgreSQL
 * parses them 5% faster than with commas and double quotes. NULL is an unquoted empty field, an empty string a
 * quoted one, as in standard CSV.
 */
export const STAGING_CSV = { delimiter: "\t", quote: "\u0001" } as const;

/** Batch bookkeeping columns every staging file carries after the data columns, in this order. */
export const STAGING_META = ["_smelter_batch_id", "_smelter_batch_seq", "_smelter_row"] as const;

/**
 * Staging rows as they are produced: `rows` is the staging file's bytes (format per `stagingFormat`), and
 * `finished` settles when the producer is done. The rows are complete only when `finished` resolves; a consumer
 * must not commit what it read before that.
 */
export interface StagingStream {
  rows: Readable;
  finished: Promise<void>;
}

/**
 * What follows the data columns in a staging stream: `STAGING_META` for a staging table; when the warehouse
 * loads straight into an empty bronze table, the batch id and then `loadedAt` (timestamptz text) in every row,
 * or nothing at all (`bookkeeping: false`) when the warehouse fills both from column defaults.
 */
export type StagingLayout =
  | { target: "staging" }
  | { target: "bronze"; loadedAt: string }
  | { target: "bronze"; bookkeeping: false };

/** Starts producing a staging stream; called by the warehouse when it is ready to load (at most once). */
export type StagingSource = (layout: StagingLayout) => StagingStream;

/** One group of landed batches ready to be applied to a bronze table in one commit. */
export interface BronzeLoad {
  pipeline: string;
  schema: string;
  table: TableSpec;
  /** The batches, in batch order; all share one column set. */
  batches: BatchManifest[];
  /** Data columns of the staging file (then `STAGING_META`). */
  columns: StagingColumn[];
  /** Every row of every batch (data columns, then `STAGING_META`). */
  data: StagingSource;
  /**
   * No primary key occurs twice among the rows, as checked by the producer: the warehouse may skip its dedupe
   * pass. The bronze primary key still rejects a duplicate that slipped through.
   */
  uniqueKeys: boolean;
  /** Key reconciliation: every source key at the batch's snapshot (columns = the table's primary key). */
  keys?: StagingSource;
}

/** What one bronze commit did. `skipped` when every batch was already checkpointed (a replay). */
export interface BronzeResult {
  skipped: boolean;
  /** The new commit version, or null when nothing changed (batches are checkpointed all the same). */
  version: number | null;
  rowsRead: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/** What one silver commit did. */
export interface SilverResult {
  versionFrom: number;
  versionTo: number;
  rowsRead: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/** A silver model with the bronze table it reads. */
export interface SilverTarget {
  pipeline: string;
  bronzeSchema: string;
  silverSchema: string;
  table: TableSpec;
  model: SilverModel;
}

/** Named places where a test may kill the process (see `src/warehouse/fault.ts`). */
export type FaultHook = (point: string) => void;

/** What a step hands a warehouse commit: the crash-test hook and where to log (phase timings). */
export interface StepHooks {
  fault: FaultHook;
  log: (message: string) => void;
}

/** One connection to a warehouse, used by one execution. */
export interface WarehouseSession {
  readonly capabilities: WarehouseCapabilities;
  /** Creates the `_smelter` metadata schema if missing (idempotent, safe across replicas). */
  ensureMetadata(): Promise<void>;
  /** Batch ids of a table already applied to bronze. */
  checkpointedBatches(pipeline: string, table: string): Promise<Set<string>>;
  /**
   * Applies a group of batches in one transaction: schema evolution, staging, dedupe, MERGE, change feed and
   * batch checkpoints. Batches already checkpointed make it a no-op.
   */
  applyBronze(load: BronzeLoad, hooks: StepHooks): Promise<BronzeResult>;
  /** Merges the change feed since the model's checkpoint into silver and advances the checkpoint, atomically. */
  applySilver(target: SilverTarget, hooks: StepHooks): Promise<SilverResult>;
  /** Rebuilds a silver table from the bronze table's current rows and checkpoints the current version. */
  rebuildSilver(target: SilverTarget): Promise<SilverResult>;
  /**
   * Deletes change-feed versions every listed consumer has read (and, with `keepLast`, all but the newest
   * `keepLast` versions at most), raising the table's retention floor. Returns the new floor.
   */
  pruneChangeFeed(
    pipeline: string,
    schema: string,
    table: string,
    consumers: string[],
    options?: { keepLast?: number },
  ): Promise<{ floor: number; deletedRows: number }>;
  close(): Promise<void>;
}

/** A warehouse kind: its capabilities and how to connect. */
export interface WarehouseDialect {
  readonly kind: string;
  readonly capabilities: WarehouseCapabilities;
  /** Quotes an identifier for this warehouse's SQL. */
  quoteIdent(name: string): string;
  connect(database: ResolvedDatabase): Promise<WarehouseSession>;
}
