import { newestChangeAt, openLandingZone, readManifest } from "../landing/index.ts";
import { resolveLanding } from "../spec/resolve.ts";
import type { LoadedPipeline } from "../spec/types.ts";

/** Batches whose change time is remembered; past it the memory starts over. */
const MEMO_LIMIT = 10_000;

/**
 * When the newest source change applied to each bronze table was made (freshness is the age of that change, not of
 * the load): read from the manifest of the newest applied batch (`newestChangeAt`) and remembered per batch, as
 * manifests never change, so a scrape or a page reads a manifest only when a table has applied a new batch.
 */
export class SourceChangeTimes {
  private readonly memo = new Map<string, string | null>();

  /**
   * The change time of `table`'s newest applied batch `lastBatch`, or null when its cursor is not a timestamp (or
   * nothing was applied); the caller then measures from the bronze commit. Throws when the landing zone fails.
   */
  async of(
    p: LoadedPipeline,
    table: string,
    lastBatch: string | null,
    env: NodeJS.ProcessEnv,
  ): Promise<string | null> {
    if (lastBatch === null) return null;
    const key = `${p.spec.name}\u0000${p.hash}\u0000${table}\u0000${lastBatch}`;
    if (this.memo.has(key)) return this.memo.get(key) ?? null;
    const landing = openLandingZone(resolveLanding(p.spec, p.spec.landing, env));
    const manifest = await readManifest(landing, p.spec.name, table, lastBatch);
    const source = p.spec.tables.find((t) => t.name === table)?.source;
    const conn = source ? p.spec.connections[source] : undefined;
    const zone = conn && "timezone" in conn ? conn.timezone : "+00:00";
    const at = manifest ? newestChangeAt(manifest, zone) : null;
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(key, at);
    return at;
  }
}
