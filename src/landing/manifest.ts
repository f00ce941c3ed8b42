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
