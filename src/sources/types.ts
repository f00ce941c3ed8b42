import type { LineageNaming } from "../contracts/lineage.ts";
import type { LogicalType } from "../logical-type.ts";
import type { ResolvedDatabase } from "../spec/resolve.ts";

/**
 * What the extract executor needs from a source database: one consistent snapshot in which it introspects
 * columns, reads the high watermark and streams rows. Each database implements it in `src/sources/<db>/`.
 */

/** A column as the source describes it (information_schema). */
export interface SourceColumn {
  name: string;
  /** Base type in lower case, e.g. `decimal`, `bigint`, `timestamp`. */
  dataType: string;
  /** Full declared type, e.g. `decimal(65,30)`, `bigint(20) unsigned`, `enum('a','b')`. */
  columnType: string;
  nullable: boolean;
  precision: number | null;
  scale: number | null;
}

/**
 * How a column lands: the DuckDB type written to parquet, the neutral type the warehouse maps to its own, and
 * how a driver value becomes the text (or bytes) handed to DuckDB, which casts it exactly to `parquetType`.
 */
export interface ColumnMapping {
  parquetType: string;
  logical: LogicalType;
  input: "text" | "blob";
  /** Driver value → text for DuckDB; null for SQL NULL. Absent: the value is already a string (or bytes). */
  toText?: (value: unknown) => string | null;
  /** Values this mapping turned into NULL on purpose (zero dates), counted for a warning. */
  nulled?: { reason: string; count: number };
  /**
   * For drivers that encode CSV from the wire (`SourceSnapshot.streamCsv`): how the value's text on the wire
   * relates to `toText`. `verbatim`: the wire text is already the value's text; `zeroDate`: a zero date is NULL
   * (counted in `nulled`), any other date is its text followed by `suffix`. Absent: the value is decoded and goes
   * through `toText`.
   */
  wire?: { kind: "verbatim" } | { kind: "zeroDate"; suffix: string };
}

/**
 * Whether a column's CSV field is quoted text (anything whose text may hold `,`, `"` or a line break); every
 * other field is written bare (numbers, dates) or, for bytes, as quoted hex.
 */
export function isCsvText(mapping: ColumnMapping): boolean {
  return mapping.input === "text" && (mapping.parquetType === "VARCHAR" || mapping.parquetType === "JSON");
}

/**
 * Rows of one read already encoded as CSV lines (the format described in src/executors/extract-csv.ts).
 * `longest` is the byte length of the longest line.
 */
export interface CsvRows {
  bytes: Buffer;
  rows: number;
  longest: number;
}

/** A read encoded as CSV by the driver: its chunks, then (once they are consumed) the last row as `stream` gives it. */
export interface CsvRead {
  chunks: AsyncIterable<CsvRows>;
  lastRow(): unknown[] | null;
}

/** What differs between databases, read by shared code instead of `if (kind === ...)`. */
export interface SourceCapabilities {
  /** Row-value comparison `(a, b) >= (?, ?)` is supported. */
  rowValueComparison: boolean;
  /** The database can store `0000-00-00` dates. */
  zeroDates: boolean;
  unsignedIntegers: boolean;
  /** Largest DECIMAL precision the source allows. */
  maxDecimalPrecision: number;
}

/** A table (`schema.table` or `table`) or a SELECT to read from. */
export type Relation = { table: string } | { query: string };

/** Row filter of one read: closed start on the cursor, a key range for chunked loads, a backfill's range. */
export interface ReadRange {
  /** `(cursor...) >= from`; null reads from the start. */
  cursorFrom?: { columns: string[]; values: unknown[] } | null;
  /**
   * `(key...) > after` (from the start when null), up to and including `to` when given, ordered by key, at most
   * `limit` rows when given (keyset pagination).
   */
  keyAfter?: { columns: string[]; values: unknown[] | null; to?: unknown[] | null; limit?: number } | null;
  /** A backfill's range: `(columns...) >= from` and `< to`, either end open when null. */
  between?: { columns: string[]; from: unknown[] | null; to: unknown[] | null } | null;
}

/** A landed column as a CSV read needs it: its name and how its values are read. */
export interface CsvColumn {
  name: string;
  mapping: ColumnMapping;
}

/** How a CSV read is stopped (`signal`) and where its chunks may be cut (every `partRows` rows). */
export interface CsvReadOptions {
  signal: AbortSignal;
  partRows: number;
}

/** One transaction at a consistent snapshot; everything read through it sees the same state. */
export interface SourceSnapshot {
  /** Snapshot facts recorded in the manifest (server version, isolation, time). */
  readonly info: Record<string, unknown>;
  columns(relation: Relation): Promise<SourceColumn[]>;
  /** The number of rows the relation holds. */
  count(relation: Relation): Promise<number>;
  /** The largest value of `columns` (as a tuple, ordered by each in turn); null when no row exists. */
  max(relation: Relation, columns: string[]): Promise<unknown[] | null>;
  /**
   * The key of the `size`-th row after key `after` (from the start when null), in key order: the inclusive end
   * of a chunk of `size` rows. Null when fewer than `size` rows follow.
   */
  chunkEnd(
    relation: Relation,
    keys: string[],
    after: unknown[] | null,
    size: number,
  ): Promise<unknown[] | null>;
  /**
   * Streams rows encoded as CSV lines straight from the driver's wire format (no value objects per field), for
   * the landed columns in order. A chunk never spans a multiple of `partRows` rows from the start of the read,
   * so parts can be cut between chunks.
   */
  streamCsv(relation: Relation, columns: CsvColumn[], range: ReadRange, options: CsvReadOptions): CsvRead;
  /** Ends the transaction and releases the connection. */
  close(): Promise<void>;
}

/** One row change read from a source's log. */
export interface LogChange {
  op: "insert" | "update" | "delete";
  /**
   * Where the change is in the log, as an unsigned integer in decimal digits: changes compare by it (as numbers)
   * in log order, and a row read in a snapshot compares with them by `ChangeLog.snapshotOrder`.
   */
  order: string;
  /** When the change's transaction committed, as the log records it (milliseconds since the epoch). */
  committedAt: number;
  /** The full row by column name: the new row for inserts and updates, the row before it for deletes. */
  row: Record<string, unknown>;
  /** Updates: the row before it, where the log has it. Its order is `order - 1` (free for this use). */
  before?: Record<string, unknown>;
}

/** A position in a source's log as the extract watermark stores it (JSON-able). */
export type LogPosition = unknown[];

/**
 * Who reads a log: one table of one pipeline. Sources that keep a reader's position on the server (PostgreSQL's
 * replication slot and publication) name them after `name`, or after `group.name` when the table is one of a group.
 */
export interface LogConsumer {
  /** Unique per pipeline and table: `<pipeline>__<table>`. */
  name: string;
  /** The source table (`schema.table`, or a table of the connection's database or search path). */
  table: string;
  /**
   * The cdc tables of the consumer's source read by one source task (`airflow.granularity: source`), this one
   * included, whichever request reads it: sources that keep a reader's position on the server keep one for the
   * group (one slot and publication), so that one read serves them all. Absent when the table has its own.
   */
  group?: LogGroup;
}

/** The cdc tables of one source of one pipeline that share what the server keeps for their reader. */
export interface LogGroup {
  /** Unique per pipeline and source: `src_<pipeline>__<source>`. */
  name: string;
  /** Every table of the group (the spec's cdc tables of the source), by consumer. */
  members: { name: string; table: string }[];
}

/** What a drain of the log does for the extract step: the changes of its consumers' tables up to one head. */
export interface DrainOptions {
  /** The tables read, each from its own stored position (changes after it are read). */
  consumers: { consumer: LogConsumer; from: LogPosition }[];
  /** The head the drain stops at (read at the start of the task). */
  to: LogPosition;
  /**
   * The lowest position stored by the tables that share the consumers' server-side reader (their group's, or the
   * one table's own): what the server may be told is landed (a slot's confirmed position is brought up to it, and
   * never past it). The binlog keeps no reader's position and ignores it.
   */
  stored: LogPosition;
  signal: AbortSignal;
  /** Called with the changes of each committed transaction, per consumer (`LogConsumer.name`), in log order. */
  onChanges(consumer: string, changes: LogChange[]): Promise<void>;
}

/**
 * Log-based change capture of a source (`mode: cdc`): the server settings it needs, the log's head, and reading
 * the changes of one table between two positions. Positions are the watermark of a cdc table.
 */
export interface ChangeLog {
  /**
   * Checks the server settings and privileges change capture of the table needs; a ConfigError naming each one
   * to set otherwise (retrying cannot help).
   */
  preflight(db: ResolvedDatabase, consumer: LogConsumer): Promise<void>;
  /**
   * The position after the last committed transaction. With `start` (a snapshot begins, the log is read from
   * here), what the server keeps for the consumer is created when missing (a replication slot holds the log from
   * there on); without it, its absence is a `LogPurgedError`.
   */
  head(db: ResolvedDatabase, consumer: LogConsumer, options: { start: boolean }): Promise<LogPosition>;
  /** Whether `a` is before `b`. */
  before(a: LogPosition, b: LogPosition): boolean;
  /**
   * The order (see `LogChange.order`) of rows read in a snapshot: above every change the snapshot sees, below
   * every change it does not. From the snapshot's `info` when the database records its log position there,
   * else `fallback` (a position read before the snapshot opened: changes between the two are then applied again
   * on top of the snapshot's rows, which converges to the same rows).
   */
  snapshotOrder(info: Record<string, unknown>, fallback: LogPosition): string;
  /**
   * Where a stored position is in the log of the server read now, before a drain: the position itself when the
   * server holds it, the same point under this server's names when it holds it under others (MariaDB: by the
   * GTID position stored with it, after a failover), else a `LogPurgedError`.
   */
  locate(db: ResolvedDatabase, consumer: LogConsumer, from: LogPosition): Promise<LogPosition>;
  /**
   * The head `to` as a table that drained from `from` (as `locate` gave it) stores it: what a position carries
   * beyond the point itself goes on with it (MariaDB: the shift that orders the changes read after a failover
   * above those landed before).
   */
  continued(from: LogPosition, to: LogPosition): LogPosition;
  /**
   * Reads the changes of each consumer's table in `(from, to]`. A `from` the server no longer holds (purged, a
   * lost slot) is a `LogPurgedError`, before anything is read. Several consumers as `sharedReads` allows.
   */
  drain(db: ResolvedDatabase, options: DrainOptions): Promise<{ changes: number }>;
  /**
   * Which tables one read of the log serves: `any` of the source's (the binlog, read as any number of replicas
   * read it), or those of one `group` (`LogConsumer.group`: PostgreSQL reads a group through its one slot and
   * publication, and a table of no group through its own).
   */
  readonly sharedReads: "any" | "group";
  /**
   * Tells the server that `position` is stored by every table reading through the consumer's server-side reader
   * (the lowest position of its group, or the one table's own): a replication slot may then recycle the log
   * before it. Called only after the positions are stored.
   */
  confirm(db: ResolvedDatabase, consumer: LogConsumer, position: LogPosition): Promise<void>;
}

/** A source database kind: its capabilities, type mapping and how to open a snapshot. */
export interface SourceDriver {
  readonly kind: string;
  readonly capabilities: SourceCapabilities;
  /** How lineage names the source's tables. */
  readonly lineage: LineageNaming;
  /**
   * Landing type of a column. `where` names table and source in errors, `override` is the spec's typeOverrides
   * entry (a warehouse type: the warehouse applies it; a source only reads it where it changes how values land,
   * as `boolean` does for integers), `timezone` the session zone (offset) zoned timestamps are read in.
   */
  mapColumn(
    column: SourceColumn,
    options: { where: string; timezone: string; override?: string },
  ): ColumnMapping;
  openSnapshot(db: ResolvedDatabase, options: { statementTimeoutMs: number }): Promise<SourceSnapshot>;
  /** Log-based change capture, for kinds that have it (`mode: cdc`). */
  changeLog?: ChangeLog;
}
