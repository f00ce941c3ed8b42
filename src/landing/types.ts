import type { Readable } from "node:stream";
import type { LogicalType } from "../logical-type.ts";

/**
 * A landing zone: S3 (or an S3-compatible server) or a local directory, with the same key layout and the same
 * semantics. Keys are `/`-separated and relative to the zone's root (bucket + prefix, or directory + prefix).
 */
export interface LandingZone {
  /** A URL naming the zone for messages, e.g. `s3://bucket/prefix` or `file:///var/data/landing`. */
  readonly url: string;
  /** Uploads a local file (multipart above a size threshold). Atomic: readers see all of it or nothing. */
  putFile(key: string, localPath: string): Promise<{ bytes: number }>;
  /** Writes a small object (manifests, state pointers) atomically. */
  putBytes(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  getBytes(key: string): Promise<Uint8Array | null>;
  /** Downloads an object to a local file. */
  getFile(key: string, localPath: string): Promise<{ bytes: number }>;
  getStream(key: string): Promise<Readable>;
  /** Keys under a prefix in lexicographic order, optionally after a key. */
  list(prefix: string, options?: { startAfter?: string }): AsyncIterable<{ key: string; bytes: number }>;
  delete(keys: string[]): Promise<void>;
}

/**
 * Column of a landed batch: its source type, the parquet (DuckDB) type it was written as, and its neutral type,
 * which each warehouse maps to its own.
 */
export interface ManifestColumn {
  name: string;
  sourceType: string;
  parquetType: string;
  logical: LogicalType;
  nullable: boolean;
}

/**
 * Written last, after every file of the batch: bronze trusts a batch only when its manifest exists.
 * Stored at `<pipeline>/<table>/_manifests/<batchId>.json`.
 */
export interface BatchManifest {
  format: "smelter.manifest/v1";
  /** Sortable by time of creation: `b<yyyyMMddTHHmmssSSS>Z-<8 hex>`. */
  batchId: string;
  pipeline: string;
  table: string;
  source: { name: string; kind: string; snapshot: Record<string, unknown> };
  mode: "incremental" | "full" | "cdc";
  createdAt: string;
  primaryKey: string[];
  cursor: string[];
  /** Closed start `from` (null on the first run) to the high value `to` read in the same snapshot. */
  watermark: { from: unknown[] | null; to: unknown[] | null; lagSeconds: number };
  schema: { columns: ManifestColumn[]; fingerprint: string; added: string[]; removed: string[] };
  files: { key: string; rows: number; bytes: number }[];
  rows: number;
  /** Key reconciliation: files holding every primary key present at the source in the same snapshot. */
  keyFiles?: { key: string; rows: number; bytes: number }[];
  /**
   * Loads in key-range chunks (full loads, the initial load or a re-sync of an incremental table): the key range
   * `(from, to]` this batch covers, for resuming; `total` chunks in the load as planned. The last chunk also
   * carries the table's key set (`keyFiles`), read after every other chunk.
   */
  chunk?: { index: number; from: unknown[] | null; to: unknown[] | null; last: boolean; total?: number };
  /**
   * Change capture (`mode: cdc`): the changes of the log in `(from, to]`, one row per change with the
   * `CHANGE_COLUMNS` after the table's columns. Snapshot chunks of a cdc table carry the same columns (operation
   * `snapshot`, the snapshot's log order) but no `changes`.
   */
  changes?: { from: unknown[]; to: unknown[]; count: number };
  /** A backfill: the range read again (the watermark did not move). */
  backfill?: { by: "cursor" | "key"; columns: string[]; from: unknown[] | null; to: unknown[] | null };
}

/**
 * The columns every landed row of a `mode: cdc` table carries after its own: the operation (`insert`, `update`,
 * `delete`, or `snapshot` for rows of a snapshot chunk), the change's order in the source's log (an unsigned
 * integer, compared as a number: bronze applies a key's changes in this order and skips those its row already
 * reflects), and when its transaction committed (null for snapshot rows).
 */
export const CHANGE_COLUMNS = {
  op: "_smelter_op",
  order: "_smelter_position",
  committedAt: "_smelter_committed_at",
} as const;
