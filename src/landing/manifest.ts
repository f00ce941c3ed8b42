import { DataError } from "../errors.ts";
import { isBatchId, manifestKey, manifestPrefix } from "./layout.ts";
import { legacyLogicalType } from "./legacy.ts";
import type { BatchManifest, LandingZone, ManifestColumn } from "./types.ts";

/**
 * Manifests are the commit records of the landing zone: a batch exists for bronze only once its manifest is
 * written, and the manifest is written after every file it lists.
 */

/** Writes a batch's manifest (last step of landing a batch). */
export async function writeManifest(zone: LandingZone, manifest: BatchManifest): Promise<string> {
  const key = manifestKey(manifest.pipeline, manifest.table, manifest.batchId);
  await zone.putBytes(key, `${JSON.stringify(manifest, null, 2)}\n`, "application/json");
  return key;
}

/** Reads one manifest; null when the batch has none (it does not exist). */
export async function readManifest(
  zone: LandingZone,
  pipeline: string,
  table: string,
  batchId: string,
): Promise<BatchManifest | null> {
  const key = manifestKey(pipeline, table, batchId);
  const bytes = await zone.getBytes(key);
  if (!bytes) return null;
  return parseManifest(bytes, `${zone.url}/${key}`);
}

/** Parses and checks the shape of a manifest's bytes; `where` names it in errors. */
export function parseManifest(bytes: Uint8Array, where: string): BatchManifest {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new DataError(`manifest ${where} is not valid JSON`);
  }
  const m = value as Partial<BatchManifest>;
  if (
    m.format !== "smelter.manifest/v1" ||
    typeof m.batchId !== "string" ||
    !Array.isArray(m.files) ||
    typeof m.rows !== "number" ||
    !m.schema ||
    !Array.isArray(m.schema.columns)
  ) {
    throw new DataError(`manifest ${where} is not a smelter.manifest/v1 document`);
  }
  const columns = m.schema.columns as (ManifestColumn & { warehouseType?: string })[];
  for (const column of columns) {
    // Batches landed before manifests recorded neutral types name a PostgreSQL type instead.
    if (column.logical === undefined) {
      column.logical = legacyLogicalType(
        column.parquetType,
        column.warehouseType ?? "",
        `${where} column ${column.name}`,
      );
      delete column.warehouseType;
    }
  }
  return m as BatchManifest;
}

/** Batch ids with a manifest, in batch order, optionally only those after a given batch id. */
export async function listManifestIds(
  zone: LandingZone,
  pipeline: string,
  table: string,
  options: { after?: string | null } = {},
): Promise<string[]> {
  const prefix = manifestPrefix(pipeline, table);
  const ids: string[] = [];
  const startAfter = options.after ? `${prefix}${options.after}.json` : undefined;
  for await (const { key } of zone.list(prefix, startAfter ? { startAfter } : {})) {
    const name = key.slice(prefix.length);
    if (!name.endsWith(".json")) continue;
    const id = name.slice(0, -".json".length);
    if (isBatchId(id)) ids.push(id);
  }
  return ids;
}

/** Manifests of a table in batch order, optionally only those after a given batch id. */
export async function* listManifests(
  zone: LandingZone,
  pipeline: string,
  table: string,
  options: { after?: string | null } = {},
): AsyncIterable<BatchManifest> {
  for (const id of await listManifestIds(zone, pipeline, table, options)) {
    const manifest = await readManifest(zone, pipeline, table, id);
    if (manifest) yield manifest;
  }
}

/** The newest manifest of a table, or null when none was written yet. */
export async function latestManifest(
  zone: LandingZone,
  pipeline: string,
  table: string,
): Promise<BatchManifest | null> {
  const ids = await listManifestIds(zone, pipeline, table);
  const last = ids.at(-1);
  return last ? readManifest(zone, pipeline, table, last) : null;
}

/** `2026-12-05 13:36:04.523066`, `2026-12-05T13:36:04Z`, `2026-12-05 13:36:04+02`, `...+05:30`. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A UTC offset as ISO 8601 spells it: `Z`, `+02` and `+0200` become `Z`, `+02:00`, `+02:00`. */
function isoOffset(offset: string): string {
  if (offset === "Z") return "Z";
  const digits = offset.slice(1).replace(":", "");
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || "00"}`;
}

/**
 * When the newest source change a batch carries was made: its high watermark's first cursor value, when that
 * cursor is a timestamp. A wall-clock timestamp is read in the zone the source session used (the manifest's
 * `source.snapshot.timezone`, else `zone`); an instant without an offset is UTC, as sources land them. Null when
 * the first cursor is not a timestamp, for a backfill (its watermark did not move) and for a value that does not
 * read as a time.
 */
export function newestChangeAt(m: BatchManifest, zone: string): string | null {
  const cursor = m.cursor[0];
  const value = m.watermark.to?.[0];
  if (m.backfill || cursor === undefined || typeof value !== "string") return null;
  const logical = m.schema.columns.find((c) => c.name === cursor)?.logical;
  if (logical?.type !== "timestamp") return null;
  const parts = TIMESTAMP.exec(value.trim());
  if (!parts) return null;
  const [, date, time, fraction = "", offset] = parts;
  const sessionZone = m.source.snapshot.timezone;
  const at = offset ?? (logical.zoned ? "Z" : typeof sessionZone === "string" ? sessionZone : zone);
  if (!/^(Z|[+-]\d{2}(:?\d{2})?)$/.test(at)) return null;
  const ms = Date.parse(`${date}T${time}${fraction.slice(0, 4)}${isoOffset(at)}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
