/**
 * The stores executors use, as interfaces: the runtime hands implementations over in the execution context
 * (src/state/ holds the PostgreSQL ones), so that executors never open the state database themselves.
 */

/** Where extraction of one table stands: the last landed batch and the high cursor value read with it. */
export interface WatermarkState {
  batchId: string;
  /** Cursor values (JSON-able, as the source driver returned them); null for full loads or an empty table. */
  watermark: unknown[] | null;
  /** Extract runs that landed a batch; drives `deletes.everyRuns`. */
  runs: number;
  /**
   * A load in key-range chunks may be under way: when the batch's manifest is a chunk other than the last, the
   * next run resumes after it. False once an operator set or reset the watermark, which ends such a load.
   */
  loading: boolean;
  /** When the watermark was last saved (ISO 8601). */
  updatedAt: string;
}

/** Extract watermarks, one per (pipeline, table). */
export interface WatermarkStore {
  /** The stored watermark of a table, or null before its first batch. */
  read(pipeline: string, table: string): Promise<WatermarkState | null>;
  /**
   * Records that `batchId` is landed (its manifest written) with high watermark `watermark`. Never moves back:
   * a batch id older than the stored one is ignored, so adopting a manifest twice is harmless.
   */
  save(
    pipeline: string,
    table: string,
    batchId: string,
    watermark: unknown[] | null,
    options?: { loading?: boolean },
  ): Promise<void>;
  /**
   * An operator's watermark: `watermark` (null: none, so the next run loads the whole table again in chunks) as
   * of the newest landed batch `batchId` (null when none landed), ending any chunked load under way.
   * Returns the state it replaced.
   */
  set(
    pipeline: string,
    table: string,
    batchId: string | null,
    watermark: unknown[] | null,
  ): Promise<WatermarkState | null>;
}
