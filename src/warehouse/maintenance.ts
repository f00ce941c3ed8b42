import { ConfigError } from "../errors.ts";
import { silverTarget } from "../executors/silver.ts";
import { openLandingZone } from "../landing/index.ts";
import { isBatchId, manifestKey, manifestPrefix, tablePrefix } from "../landing/layout.ts";
import { resolveLanding } from "../spec/resolve.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { openWarehouse } from "./index.ts";
import type { SilverResult } from "./types.ts";

/**
 * Operations on warehouse state outside the normal steps; documented in docs/bronze-silver.md.
 */

/**
 * Change-feed retention for one bronze table: deletes the versions every silver model reading the table has
 * merged (optionally keeping the newest `keepLast`), and raises the table's retention floor.
 */
export async function pruneChangeFeed(
  spec: PipelineSpec,
  table: string,
  env: NodeJS.ProcessEnv,
  options: { keepLast?: number } = {},
): Promise<{ floor: number; deletedRows: number }> {
  const consumers = spec.silver.filter((m) => m.from === table).map((m) => m.name);
  const warehouse = await openWarehouse(spec, env);
  try {
    return await warehouse.pruneChangeFeed(spec.name, spec.bronzeSchema, table, consumers, options);
  } finally {
    await warehouse.close();
  }
}

/** Full refresh of a silver model from its bronze table's current rows (see `WarehouseSession.rebuildSilver`). */
export async function rebuildSilver(
  spec: PipelineSpec,
  model: string,
  env: NodeJS.ProcessEnv,
): Promise<SilverResult> {
  const warehouse = await openWarehouse(spec, env);
  try {
    return await warehouse.rebuildSilver(silverTarget(spec, model));
  } finally {
    await warehouse.close();
  }
}

/** Creation time of a batch, from its id (`b<yyyyMMddTHHmmssSSS>Z-...`). */
function batchTime(batchId: string): number {
  const m = /^b(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(batchId);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s, ms);
}

/**
 * Landing retention for one table: deletes the files and manifests of batches created more than `olderThanDays`
 * days ago that bronze has applied (checkpointed), and the files of batches as old that never got a manifest
 * (an extraction that died before finishing; bronze never sees them). Pending batches stay, and so does the
 * newest batch with a manifest: extraction reads it to adopt a batch whose watermark update was lost. Files go
 * before their manifest, so an interrupted run leaves a manifest the next run finishes. `olderThanDays` is at
 * least 1, which keeps an extraction still writing its files clear of it.
 */
export async function pruneLanding(
  spec: PipelineSpec,
  table: string,
  env: NodeJS.ProcessEnv,
  options: { olderThanDays: number; now?: Date },
): Promise<{ batches: number; objects: number }> {
  if (!(options.olderThanDays >= 1)) {
    throw new ConfigError(
      `landing retention of ${spec.name}.${table}: olderThanDays must be at least 1 (got ${options.olderThanDays})`,
    );
  }
  const cutoff = (options.now ?? new Date()).getTime() - options.olderThanDays * 86_400_000;
  const zone = openLandingZone(resolveLanding(spec, spec.landing, env));
  const manifests = manifestPrefix(spec.name, table);
  const withManifest: string[] = [];
  const files = new Map<string, string[]>();
  for await (const { key } of zone.list(tablePrefix(spec.name, table))) {
    if (key.startsWith(manifests)) {
      const id = key.slice(manifests.length).replace(/\.json$/, "");
      if (isBatchId(id)) withManifest.push(id);
      continue;
    }
    // <pipeline>/<table>/date=YYYY-MM-DD/<batchId>/<file>
    const id = key.split("/").at(-2) ?? "";
    if (isBatchId(id)) files.set(id, [...(files.get(id) ?? []), key]);
  }
  withManifest.sort();
  const newest = withManifest.at(-1);
  const warehouse = await openWarehouse(spec, env);
  let applied: Set<string>;
  try {
    applied = await warehouse.checkpointedBatches(spec.name, table);
  } finally {
    await warehouse.close();
  }
  const hasManifest = new Set(withManifest);
  const old = (id: string) => batchTime(id) < cutoff;
  const expired = [...new Set([...withManifest, ...files.keys()])].filter((id) =>
    hasManifest.has(id) ? id !== newest && applied.has(id) && old(id) : old(id),
  );
  const data = expired.flatMap((id) => files.get(id) ?? []);
  const records = expired.filter((id) => hasManifest.has(id)).map((id) => manifestKey(spec.name, table, id));
  await zone.delete(data);
  await zone.delete(records);
  return { batches: expired.length, objects: data.length + records.length };
}
