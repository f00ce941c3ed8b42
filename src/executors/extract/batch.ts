import type { DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "../../contracts/step.ts";
import { CancelledError } from "../../errors.ts";
import type { LandingZone } from "../../landing/types.ts";
import type { ReadRange, Relation, SourceSnapshot } from "../../sources/types.ts";
import { type LandedColumn, type LandedFile, PartWriter } from "./writer.ts";

/** Everything one batch's reads share: where files go and how they are written. */
export interface BatchTarget {
  zone: LandingZone;
  duck: DuckDBInstance;
  pipeline: string;
  table: string;
  batchId: string;
  fileRows: number;
  tmpDir: string;
  log: Logger;
  signal: AbortSignal;
  /** Columns of one value for every data row (`part` files), after the read ones (a cdc table's snapshot rows). */
  constants?: readonly { name: string; sql: string }[];
}

/** Result of streaming one read into parquet files. */
export interface LandedRead {
  files: LandedFile[];
  rows: number;
  /** The last row read, in column order (keyset pagination continues after it). */
  lastRow: unknown[] | null;
}

/**
 * Streams one read of a snapshot into the batch's parquet files (`part-*` for rows, `keys-*` for key
 * reconciliation), uploading each file as it rolls. Cancellation is checked between row batches.
 */
export async function landRead(
  target: BatchTarget,
  snapshot: SourceSnapshot,
  relation: Relation,
  columns: LandedColumn[],
  range: ReadRange,
  kind: "part" | "keys",
): Promise<LandedRead> {
  const writer = new PartWriter(
    target.duck,
    target.zone,
    { pipeline: target.pipeline, table: target.table, batchId: target.batchId, kind },
    columns,
    target.fileRows,
    target.tmpDir,
    kind === "part" ? (target.constants ?? []) : [],
  );
  let lastRow: unknown[] | null = null;
  let reported = 0;
  const progress = () => {
    if (writer.files.length > reported) {
      reported = writer.files.length;
      target.log.info(`${target.table}: landed ${kind} ${reported} (${writer.rows} rows so far)`);
    }
  };
  try {
    // The driver encodes CSV from its wire format: no JS value per field.
    const read = snapshot.streamCsv(relation, columns, range, {
      signal: target.signal,
      partRows: target.fileRows,
    });
    for await (const chunk of read.chunks) {
      if (target.signal.aborted) throw new CancelledError();
      await writer.appendCsv(chunk);
      progress();
    }
    lastRow = read.lastRow();
    if (target.signal.aborted) throw new CancelledError();
    const files = await writer.finish();
    for (; reported < files.length; reported++)
      target.log.info(`${target.table}: landed ${kind} ${reported + 1} (${writer.rows} rows so far)`);
    return { files, rows: writer.rows, lastRow };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
