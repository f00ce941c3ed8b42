import type { Readable } from "node:stream";
import type { BronzeLoad } from "../../types.ts";

/**
 * PostgreSQL cannot read parquet: its bronze commits load COPY text that DuckDB prints from the landed files
 * (`./parquet.ts`) through a named pipe (`./fifo.ts`). These are the shapes between the two sides.
 */

/** A column of a staging file: its name and the PostgreSQL type it is parsed as. */
export interface StagingColumn {
  name: string;
  type: string;
}

/**
 * The CSV dialect of the staging files: tab-separated, with byte 0x01 as the quote (doubled inside a quoted
 * value). JSON and text are full of double quotes and almost never hold tabs, newlines or 0x01, so values go
 * unquoted and neither side escapes every quote: DuckDB prints the bench's posts 30% faster and PostgreSQL parses
 * them 5% faster than with commas and double quotes. NULL is an unquoted empty field, an empty string a quoted
 * one, as in standard CSV.
 */
export const STAGING_CSV = { delimiter: "\t", quote: "\u0001" } as const;

/** Batch bookkeeping columns every staging file carries after the data columns, in this order. */
export const STAGING_META = ["_smelter_batch_id", "_smelter_batch_seq", "_smelter_row"] as const;

/**
 * Staging rows as they are produced: `rows` is the staging file's bytes, and `finished` settles when the producer
 * is done. The rows are complete only when `finished` resolves; a consumer must not commit what it read before
 * that.
 */
export interface StagingStream {
  rows: Readable;
  finished: Promise<void>;
}

/**
 * What follows the data columns in a staging stream: `STAGING_META` for a staging table; when the commit loads
 * straight into an empty bronze table, the batch id and then `loadedAt` (timestamptz text) in every row, or
 * nothing at all (`bookkeeping: false`) when column defaults fill both.
 */
export type StagingLayout =
  | { target: "staging" }
  | { target: "bronze"; loadedAt: string }
  | { target: "bronze"; bookkeeping: false };

/** Starts producing a staging stream; called when the commit is ready to load (at most once). */
export type StagingSource = (layout: StagingLayout) => StagingStream;

/** A bronze load with its rows ready to stream into PostgreSQL. */
export interface StagedLoad extends Omit<BronzeLoad, "columns"> {
  /** Data columns of the staging file (then `STAGING_META`), with their PostgreSQL types. */
  columns: StagingColumn[];
  /** Every row of every batch (data columns, then `STAGING_META`). */
  data: StagingSource;
  /**
   * No primary key occurs twice among the rows, as checked in DuckDB: the commit may skip its dedupe pass. The
   * bronze primary key still rejects a duplicate that slipped through.
   */
  uniqueKeys: boolean;
  /** Key reconciliation: every source key at the batch's snapshot (columns = the table's primary key). */
  keys?: StagingSource;
}
