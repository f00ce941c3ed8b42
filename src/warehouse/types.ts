import type { LineageNaming } from "../contracts/lineage.ts";
import type { BatchManifest, LandingZone } from "../landing/types.ts";
import type { LogicalType } from "../logical-type.ts";
import type { SilverTarget } from "../spec/lookup.ts";
import type { ResolvedDatabase } from "../spec/resolve.ts";
import type { TableSpec } from "../spec/types.ts";

/**
 * The contract between the bronze/silver executors and a warehouse. A warehouse is one folder
 * (`src/warehouse/<kind>/`) exporting a `WarehouseDialect`; what differs between warehouses is declared as
 * capability flags, read by shared code, never as `if (kind === ...)` elsewhere.
 */

/** How a warehouse can apply changes. */
export type MergeStrategy = "upsert" | "scd2";

/**
 * What a warehouse can do; shared code reads these flags (the spec checks, through `warehouseSupport`) instead of
 * asking which warehouse it is.
 */
export interface WarehouseCapabilities {
  /** Silver strategies a model may choose (`silver[].strategy`). */
  mergeStrategies: MergeStrategy[];
  /** Partitioning kinds `tables[].partition_by` may ask for; empty: partitioning is refused. */
  partitioning: ("list" | "hash")[];
  /**
   * Most columns `tables[].cluster_by` may name: it becomes an index (PostgreSQL) or the table's clustering keys
   * (Delta liquid clustering), each with its own limit.
   */
  maxClusterColumns: number;
  /**
   * Bronze applies batches of changes read from a source's log (`mode: cdc`): each key's changes in log order,
   * deletes by their operation, changes its rows already hold skipped.
   */
  changeBatches: boolean;
}

/**
 * A landed column as bronze hands it to the warehouse: name, neutral type, the parquet (DuckDB) type it was
 * written as, and the spec's `type_overrides` entry for it, if any (checked against the warehouse by the spec
 * checks).
 */
export interface LandedColumn {
  name: string;
  logical: LogicalType;
  parquetType: string;
  override?: string;
}

/**
 * One group of landed batches ready to be applied to a bronze table in one commit. The warehouse stages the
 * batches' files its own way (PostgreSQL: DuckDB prints COPY text; Spark reads the parquet where it lies).
 */
export interface BronzeLoad {
  pipeline: string;
  schema: string;
  table: TableSpec;
  /**
   * The batches, in batch order; all share one column set. Data files are `files[].key`, the key files of key
   * reconciliation `keyFiles[].key`, relative to `zone`. Only the last batch may carry key files: its key set is
   * the source's keys after every batch of the load was read.
   */
  batches: BatchManifest[];
  /** Landing keys of the batches' manifests, in batch order: where a message about a batch points. */
  manifestKeys: string[];
  /** Data columns of the batches, in landed order. */
  columns: LandedColumn[];
  /** The landing zone holding the batches' files. */
  zone: LandingZone;
  /** A directory private to this commit (downloads, pipes); the caller removes it. */
  workDir: string;
  /** Aborted when the execution is cancelled: a warehouse may stop staging early (nothing is committed then). */
  signal: AbortSignal;
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
  /**
   * The schema evolution this commit applied: columns of the batches it added to bronze (`add_columns`) and those
   * whose values it kept in `_rescued_data` (`rescue`); absent when the batches brought no new column.
   */
  schemaChange?: { added: string[]; rescued: string[] };
}

/** The `schemaChange` of a bronze commit from the columns it added and rescued; nothing when neither. */
export function schemaChangeOf(shape: {
  added: string[];
  rescued: string[];
}): Pick<BronzeResult, "schemaChange"> {
  return shape.added.length > 0 || shape.rescued.length > 0
    ? { schemaChange: { added: shape.added, rescued: shape.rescued } }
    : {};
}

/** What maintenance did to one table. */
export interface MaintenanceResult {
  /** Data files before and after compaction; null where the warehouse keeps no files of its own to count. */
  files: { before: number; after: number } | null;
  /** Storage no version within the retention needs any more was reclaimed. */
  vacuumed: boolean;
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

/** A silver model with the bronze table it reads (defined with the spec lookup that builds it). */
export type { SilverTarget };

/** Named places where a test may kill the process (see `src/warehouse/fault.ts`). */
export type FaultHook = (point: string) => void;

/** What a step hands a warehouse commit: the crash-test hook and where to log (phase timings). */
export interface StepHooks {
  fault: FaultHook;
  log: (message: string) => void;
}

/** A row count: exact, or the warehouse's estimate for tables too big to count quickly. */
export interface RowCount {
  rows: number;
  estimate: boolean;
}

/** What `describe` reads: the pipeline and where its bronze tables and silver models live. */
export interface WarehouseQuery {
  pipeline: string;
  bronzeSchema: string;
  silverSchema: string;
  tables: string[];
  models: string[];
  /** Whether to count the rows of each table and model (the costly part); default true. False leaves `rows` null. */
  rowCounts?: boolean;
}

/**
 * The warehouse side of a pipeline, by bronze table and by silver model: tables and models with no commit yet
 * are absent.
 */
export interface WarehouseState {
  tables: Map<
    string,
    {
      version: number;
      committedAt: string | null;
      /** The newest batch applied (batch ids sort by creation): its manifest says how new the source data is. */
      lastBatch: string | null;
      batches: number;
      appliedRows: number;
      rows: RowCount | null;
    }
  >;
  models: Map<string, { checkpoint: number; updatedAt: string | null; rows: RowCount | null }>;
}

/** A bronze table's change feed and the silver models that read it. */
export interface ChangeFeed {
  pipeline: string;
  schema: string;
  table: string;
  /** The silver models reading it: a version may go once every one of them has merged it. */
  consumers: string[];
}

/** What pruning a change feed did: its new retention floor, and the change rows it put out of reach. */
export interface PruneResult {
  floor: number;
  deletedRows: number;
}

/** One connection to a warehouse, used by one execution. */
export interface WarehouseSession {
  /** Creates the `_smelter` metadata schema if missing (idempotent, safe across replicas). */
  ensureMetadata(): Promise<void>;
  /** Batch ids of a table already applied to bronze (`schema`: the pipeline's bronze schema). */
  checkpointedBatches(pipeline: string, schema: string, table: string): Promise<Set<string>>;
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
  pruneChangeFeed(feed: ChangeFeed, options?: { keepLast?: number }): Promise<PruneResult>;
  /**
   * Maintenance of a table smelter writes (bronze or silver): compaction of small files (clustering them where
   * the table is clustered) and removal of storage older than `retainHours` that no newer version needs. Null
   * when the table does not exist yet.
   */
  maintain(
    schema: string,
    table: string,
    options: { retainHours: number },
  ): Promise<MaintenanceResult | null>;
  /** Columns of a table in order with their warehouse types; null when it does not exist. */
  columns(schema: string, table: string): Promise<{ name: string; type: string }[] | null>;
  /** The warehouse's own bookkeeping tables (commits, checkpoints): maintained like the tables smelter writes. */
  metadataTables(): readonly { schema: string; table: string }[];
  close(): Promise<void>;
}

/** A warehouse kind: its capabilities, its types, how to connect, and a read-only look for the pages. */
export interface WarehouseDialect {
  readonly kind: string;
  readonly capabilities: WarehouseCapabilities;
  /** How lineage names the warehouse's tables (always given as `schema.table`). */
  readonly lineage: LineageNaming;
  /** The warehouse type bronze gives a landed column: its override when the spec sets one, else its mapping. */
  columnType(column: LandedColumn): string;
  /**
   * Null when `type` (a `type_overrides` or silver column `type` value) names a type of this warehouse; otherwise
   * what is wrong with it, for the spec checks.
   */
  checkType(type: string): string | null;
  connect(database: ResolvedDatabase): Promise<WarehouseSession>;
  /**
   * The pipeline's state as the web pages and the demo show it (versions, applied batches, checkpoints, row
   * counts), within `timeoutMs`. Reads only: before the first bronze commit everything is absent. Connections
   * may be kept for the next call, until `release`.
   */
  describe(database: ResolvedDatabase, query: WarehouseQuery, timeoutMs: number): Promise<WarehouseState>;
  /** Closes connections `describe` keeps (service shutdown, tests). */
  release(): Promise<void>;
}
