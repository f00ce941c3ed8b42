import { randomBytes } from "node:crypto";

/**
 * The landing key layout, shared by S3 and local zones (keys are relative to the zone's root):
 *
 *   <pipeline>/<table>/date=YYYY-MM-DD/<batchId>/part-00000.parquet   data, rolled at fileRows
 *   <pipeline>/<table>/date=YYYY-MM-DD/<batchId>/keys-00000.parquet   all source keys (reconcile)
 *   <pipeline>/<table>/_manifests/<batchId>.json                       manifest, written last
 */

const BATCH_ID = /^b(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-f]{8}$/;

/** A new batch id, `b<yyyyMMddTHHmmssSSS>Z-<8 hex>`: lexicographic order is creation order (to the ms). */
export function newBatchId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `b${stamp}-${randomBytes(4).toString("hex")}`;
}

/** Whether a string is a batch id as made by `newBatchId`. */
export function isBatchId(value: string): boolean {
  return BATCH_ID.test(value);
}

/** Creation date of a batch (UTC, `YYYY-MM-DD`), used as the `date=` partition of its files. */
export function batchDate(batchId: string): string {
  const match = BATCH_ID.exec(batchId);
  if (!match) throw new Error(`not a batch id: ${batchId}`);
  return `${match[1]}-${match[2]}-${match[3]}`;
}

/** Folder of a table's data: `<pipeline>/<table>/`. */
export function tablePrefix(pipeline: string, table: string): string {
  return `${pipeline}/${table}/`;
}

/** Folder of one batch's data files. */
export function batchPrefix(pipeline: string, table: string, batchId: string): string {
  return `${tablePrefix(pipeline, table)}date=${batchDate(batchId)}/${batchId}/`;
}

/** Key of the n-th data part (`part`) or key file (`keys`) of a batch. */
export function partKey(
  pipeline: string,
  table: string,
  batchId: string,
  index: number,
  kind: "part" | "keys" = "part",
): string {
  return `${batchPrefix(pipeline, table, batchId)}${kind}-${String(index).padStart(5, "0")}.parquet`;
}

/** Folder of a table's manifests. */
export function manifestPrefix(pipeline: string, table: string): string {
  return `${tablePrefix(pipeline, table)}_manifests/`;
}

/** Key of a batch's manifest. */
export function manifestKey(pipeline: string, table: string, batchId: string): string {
  return `${manifestPrefix(pipeline, table)}${batchId}.json`;
}

/** Joins a zone prefix and a key, ignoring an empty prefix and stray slashes. */
export function joinKey(prefix: string, key: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, "");
  return clean === "" ? key : `${clean}/${key}`;
}
