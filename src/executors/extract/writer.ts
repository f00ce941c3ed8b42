import { randomBytes } from "node:crypto";
import { type FileHandle, open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { borrowDuckdb, type DuckdbLease, duckIdent, duckString } from "../../db/duckdb.ts";
import { DataError, TransientError } from "../../errors.ts";
import { partKey } from "../../landing/layout.ts";
import type { LandingZone } from "../../landing/types.ts";
import type { ColumnMapping, CsvRows } from "../../sources/types.ts";
import { castSql, inexactSql, readCsvSql } from "./csv.ts";

/** A column as it is landed: its output name and mapping. */
export interface LandedColumn {
  name: string;
  mapping: ColumnMapping;
}

/** A landed parquet file of a batch. */
export interface LandedFile {
  key: string;
  rows: number;
  bytes: number;
}

/**
 * Rows per parquet row group at most: small enough that DuckDB's writer holds little in memory, large enough for
 * good compression and for readers to skip by statistics. Wide rows get fewer (see `rowGroupPlan`).
 */
const ROW_GROUP_ROWS = 100_000;
/** DuckDB's smallest row group (its vector size). */
const MIN_ROW_GROUP_ROWS = 2048;
/** Bytes of CSV per row group that wide rows are cut to: 100k rows of up to ~330 bytes keep the full count. */
const ROW_GROUP_BYTES = 32 * 1024 * 1024;
/** DuckDB's memory budget for a part whose row groups are small; larger ones get three times their size. */
const BASE_MEMORY_BYTES = 128 * 1024 * 1024;

/**
 * Row group size and DuckDB memory budget for a part of `bytes` of CSV in `rows` rows, the longest line
 * `longestLine` bytes. DuckDB's parquet writer holds a whole row group, and its compressed copy, in memory: a
 * fixed 100k rows of 4 KiB each (400 MiB) failed with "Out of Memory" under a fixed 128 MB budget. Row groups are
 * cut to about `ROW_GROUP_BYTES`, and the budget covers the largest a row group could be given the longest line
 * (never less than the part itself when that is smaller).
 */
export function rowGroupPlan(
  bytes: number,
  rows: number,
  longestLine: number,
): { rowGroupRows: number; memoryBytes: number } {
  const perRow = bytes / Math.max(1, rows);
  const rowGroupRows = Math.max(
    MIN_ROW_GROUP_ROWS,
    Math.min(ROW_GROUP_ROWS, Math.floor(ROW_GROUP_BYTES / Math.max(1, perRow))),
  );
  const largestGroup = Math.min(bytes, rowGroupRows * Math.max(longestLine, perRow));
  return { rowGroupRows, memoryBytes: Math.max(BASE_MEMORY_BYTES, 3 * largestGroup) };
}

/**
 * Dictionary pages off (a 1-byte limit): building them cost ~15% of the conversion's CPU, and zstd compresses
 * repeated values in plain pages about as well (files were no larger on the benchmark table).
 */
const DICTIONARY_BYTES = 1;

/**
 * Borrows the embedded DuckDB that turns CSV parts into parquet, for one extraction at a time (kept between
 * extractions, see `borrowDuckdb`), spilling to a directory of its own. Insertion order is kept (rows land in read
 * order); memory is capped well below the extraction's budget, and each part sets its own cap before it converts.
 */
export function borrowExtractDuckdb(): Promise<DuckdbLease> {
  // One thread: converting a part (~0.4 s per 500k narrow rows) is faster than reading the next one, and a second
  // thread cost 40% more CPU for no gain in wall time while the JS thread and the source use the other cores.
  return borrowDuckdb({ threads: 1, memoryBytes: BASE_MEMORY_BYTES, spill: true });
}

/**
 * The conversion running on each instance. `memory_limit` is the instance's, not a connection's: chunks read in
 * parallel share their extraction's instance, and two conversions at once would each count on the whole budget
 * (four 100k-row parts of the benchmark's `posts` failed with "Out of Memory" under 128 MiB). They take turns;
 * reading the next rows goes on meanwhile.
 */
const converting = new WeakMap<DuckDBInstance, Promise<unknown>>();

async function oneAtATime<T>(duck: DuckDBInstance, work: () => Promise<T>): Promise<T> {
  const before = converting.get(duck) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  converting.set(
    duck,
    mine.catch(() => undefined),
  );
  return mine;
}

/** A part file that is complete on disk and waiting to become parquet. */
interface PendingPart {
  index: number;
  csv: string;
  rows: number;
  /** Bytes of the longest CSV line (an upper bound). */
  longestLine: number;
}

/**
 * Streams rows into the parquet parts of one batch. Rows are encoded as CSV into a temporary file (see
 * extract-csv.ts); every `fileRows` rows the file is closed and DuckDB converts it to a zstd parquet part, which
 * is uploaded, while the next part is being read. At most one part is converting at a time, so memory and disk
 * hold at most two parts; `append` waits for the previous conversion before it hands over the next one.
 */
export class PartWriter {
  readonly files: LandedFile[] = [];
  /** Rows written to parts that are landed. */
  rows = 0;
  private pending = 0;
  private longestLine = 0;
  private file: FileHandle | null = null;
  /** The write in flight (at most one): it runs on a libuv thread while the source reads the next rows. */
  private writing: Promise<unknown> | null = null;
  private csvPath = "";
  private index = 0;
  private converting: Promise<void> | null = null;
  private connection: DuckDBConnection | null = null;

  constructor(
    private readonly duck: DuckDBInstance,
    private readonly zone: LandingZone,
    /** `changes`: the rows are changes read from a log (castSql's `exact`, and errors that say so). */
    private readonly target: {
      pipeline: string;
      table: string;
      batchId: string;
      kind: "part" | "keys";
      changes?: boolean;
    },
    private readonly columns: LandedColumn[],
    private readonly fileRows: number,
    private readonly tmpDir: string,
    /** Columns of the same value in every row, after the read ones: a name and a DuckDB SQL expression. */
    private readonly constants: readonly { name: string; sql: string }[] = [],
  ) {}

  /**
   * Appends rows the source already encoded as CSV (`SourceSnapshot.streamCsv`, which ends a chunk at every
   * `fileRows`-th row, so a chunk never spans two parts).
   */
  async appendCsv(chunk: CsvRows): Promise<void> {
    await this.openFile();
    await this.writing;
    this.writing = (this.file as FileHandle).writeFile(chunk.bytes);
    this.writing.catch(() => undefined);
    if (chunk.longest > this.longestLine) this.longestLine = chunk.longest;
    this.pending += chunk.rows;
    if (this.pending >= this.fileRows) await this.roll();
  }

  /** Lands the last part (if rows are pending), waits for every conversion, and returns the batch's files. */
  async finish(): Promise<LandedFile[]> {
    if (this.pending > 0) await this.roll();
    await this.converting;
    this.converting = null;
    this.release();
    return this.files;
  }

  /** Stops after a failure: waits for a running conversion (its result is dropped) and removes temporary files. */
  async abort(): Promise<void> {
    await this.converting?.catch(() => undefined);
    this.converting = null;
    await this.writing?.catch(() => undefined);
    this.writing = null;
    await this.file?.close().catch(() => undefined);
    this.file = null;
    if (this.csvPath) await rm(this.csvPath, { force: true });
    this.release();
  }

  private release(): void {
    this.connection?.closeSync();
    this.connection = null;
  }

  private async openFile(): Promise<void> {
    if (this.file !== null) return;
    this.csvPath = join(
      this.tmpDir,
      `${this.target.kind}-${this.index}-${randomBytes(4).toString("hex")}.csv`,
    );
    this.file = await open(this.csvPath, "w");
  }

  /** Closes the current part file and starts its conversion once the previous one has finished. */
  private async roll(): Promise<void> {
    await this.writing;
    this.writing = null;
    await this.file?.close();
    this.file = null;
    const part: PendingPart = {
      index: this.index,
      csv: this.csvPath,
      rows: this.pending,
      longestLine: this.longestLine,
    };
    this.index += 1;
    this.pending = 0;
    this.longestLine = 0;
    this.csvPath = "";
    await this.converting;
    this.converting = this.land(part);
    // A failure surfaces at the next roll or at finish; until then it must not count as unhandled.
    this.converting.catch(() => undefined);
  }

  private async land(part: PendingPart): Promise<void> {
    const key = partKey(
      this.target.pipeline,
      this.target.table,
      this.target.batchId,
      part.index,
      this.target.kind,
    );
    const local = part.csv.replace(/\.csv$/, ".parquet");
    this.connection ??= await this.duck.connect();
    const from = readCsvSql(part.csv, this.columns.length, part.longestLine);
    const select = [
      ...this.columns.map((c, i) => `${castSql(c.mapping, i, this.target.changes)} AS ${duckIdent(c.name)}`),
      ...this.constants.map((c) => `${c.sql} AS ${duckIdent(c.name)}`),
    ].join(", ");
    try {
      const plan = rowGroupPlan((await stat(part.csv)).size, part.rows, part.longestLine);
      const connection = this.connection;
      await oneAtATime(this.duck, async () => {
        await connection.run(`SET memory_limit = '${plan.memoryBytes}b'`);
        try {
          await connection.run(
            `COPY (SELECT ${select} FROM ${from}) TO ${duckString(local)} ` +
              `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${plan.rowGroupRows}, ` +
              `DICTIONARY_SIZE_LIMIT ${DICTIONARY_BYTES})`,
          );
        } catch (error) {
          throw await this.castError(error, key, from);
        }
      });
      const { bytes } = await this.zone.putFile(key, local);
      this.files.push({ key, rows: part.rows, bytes });
      this.rows += part.rows;
    } finally {
      await rm(part.csv, { force: true });
      await rm(local, { force: true });
    }
  }

  /** Finds the column whose values do not cast to its landing type, to name it in the error. */
  private async castError(error: unknown, key: string, from: string): Promise<Error> {
    const where = `table ${this.target.table}, landing ${key}`;
    const message = (error as Error).message;
    if (/Out of Memory Error/i.test(message)) {
      // The machine's memory, not the rows: another try (with less running beside it) can pass.
      return new TransientError(
        `${where}: converting the part to parquet ran out of memory: ${message}`,
        error,
      );
    }
    const connection = this.connection as DuckDBConnection;
    try {
      for (const [i, c] of this.columns.entries()) {
        const type = c.mapping.parquetType;
        if (type === "VARCHAR" || c.mapping.input === "blob") continue;
        const inexact = this.target.changes ? inexactSql(type, i) : null;
        const rounded = inexact ? ` OR ${inexact}` : "";
        const reader = await connection.runAndReadAll(
          `SELECT c${i} FROM ${from} WHERE c${i} IS NOT NULL AND (TRY_CAST(c${i} AS ${type}) IS NULL${rounded}) LIMIT 1`,
        );
        const bad = reader.getRows()[0];
        if (!bad) continue;
        const value = JSON.stringify(String(bad[0]).slice(0, 80));
        if (this.target.changes) {
          return new DataError(
            `${where}: column "${c.name}" value ${value}, read from the log, cannot be stored as ${type} without ` +
              `change: the drain lands the column's type as the table has it now, and the change was written ` +
              `before the column was narrowed at the source. Nothing was landed and the stored position stays, ` +
              `so retrying as it is will not help: re-sync the table (smelter resync <spec> --table ` +
              `${this.target.table}) to start again from the table as it is and the log's head`,
            error,
          );
        }
        return new DataError(
          `${where}: column "${c.name}" value ${value} cannot be ` +
            `stored as ${type}; set a typeOverrides entry or exclude the column`,
          error,
        );
      }
    } catch {
      // The part itself is unreadable (not a cast): the original error says why.
    }
    return new DataError(`${where}: writing parquet failed: ${message}`, error);
  }
}
