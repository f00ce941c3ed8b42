import { ConfigError } from "../errors.ts";
import { isBatchId, manifestKey, manifestPrefix, tablePrefix } from "./layout.ts";
import type { LandingZone } from "./types.ts";

/** Creation time of a batch, from its id (`b<yyyyMMddTHHmmssSSS>Z-...`). */
function batchTime(batchId: string): number {
  const m = /^b(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(batchId);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s, ms);
}

/**
 * Landing retention for one table: deletes the files and manifests of batches created more than `olderThanDays`
 * days ago that bronze has applied (`applied`: the warehouse's checkpointed batches), and the files of batches as
 * old that never got a manifest (an extraction that died before finishing; bronze never sees them). Pending
 * batches stay, and so does the newest batch with a manifest: extraction reads it to adopt a batch whose
 * watermark update was lost. Files go before their manifest, so an interrupted run leaves a manifest the next run
 * finishes. `olderThanDays` is at least 1, which keeps an extraction still writing its files clear of it.
 */
export async function pruneLandedBatches(
  zone: LandingZone,
  pipeline: string,
  table: string,
  applied: () => Promise<Set<string>>,
  options: { olderThanDays: number; now?: Date },
): Promise<{ batches: number; objects: number }> {
  if (!(options.olderThanDays >= 1)) {
    throw new ConfigError(
      `landing retention of ${pipeline}.${table}: olderThanDays must be at least 1 (got ${options.olderThanDays})`,
    );
  }
  const cutoff = (options.now ?? new Date()).getTime() - options.olderThanDays * 86_400_000;
  const manifests = manifestPrefix(pipeline, table);
  const withManifest: string[] = [];
  const files = new Map<string, string[]>();
  for await (const { key } of zone.list(tablePrefix(pipeline, table))) {
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
  const done = await applied();
  const hasManifest = new Set(withManifest);
  const old = (id: string) => batchTime(id) < cutoff;
  const expired = [...new Set([...withManifest, ...files.keys()])].filter((id) =>
    hasManifest.has(id) ? id !== newest && done.has(id) && old(id) : old(id),
  );
  const data = expired.flatMap((id) => files.get(id) ?? []);
  const records = expired.filter((id) => hasManifest.has(id)).map((id) => manifestKey(pipeline, table, id));
  await zone.delete(data);
  await zone.delete(records);
  return { batches: expired.length, objects: data.length + records.length };
}
