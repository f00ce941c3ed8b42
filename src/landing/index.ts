import { createHash } from "node:crypto";
import type { ResolvedLanding } from "../spec/resolve.ts";
import { LocalLandingZone } from "./local.ts";
import { S3LandingZone } from "./s3.ts";
import type { LandingZone } from "./types.ts";

export * from "./layout.ts";
export * from "./manifest.ts";
export type { BatchManifest, LandingZone, ManifestColumn } from "./types.ts";

/** Landing zones by connection kind: a new kind is a new zone class plus one line here. */
export const LANDING_ZONES: {
  [K in ResolvedLanding["kind"]]: (resolved: Extract<ResolvedLanding, { kind: K }>) => LandingZone;
} = {
  s3: (resolved) => new S3LandingZone(resolved),
  local: (resolved) => new LocalLandingZone(resolved.path, resolved.prefix),
};

/** Zones kept for the next execution, at most: a pipeline's one landing connection, for a few dozen pipelines. */
const KEPT_ZONES = 32;
const zones = new Map<string, LandingZone>();

/**
 * The landing zone a resolved landing connection describes (S3 or a local directory). The same connection
 * settings give the same zone object from one execution to the next, so that its S3 client and the client's
 * kept-alive connections are reused: a new client costs a tiny extract or bronze 10-40 ms (SDK set-up, TCP and
 * the first request's signing). Zones hold no state of their own beyond the client.
 */
export function openLandingZone(resolved: ResolvedLanding): LandingZone {
  const key = createHash("sha256").update(JSON.stringify(resolved)).digest("hex");
  const kept = zones.get(key);
  if (kept) {
    zones.delete(key);
    zones.set(key, kept);
    return kept;
  }
  const open = LANDING_ZONES[resolved.kind] as (r: ResolvedLanding) => LandingZone;
  const zone = open(resolved);
  zones.set(key, zone);
  // The least recently used zone goes; an execution still using it keeps its own reference.
  if (zones.size > KEPT_ZONES) zones.delete(zones.keys().next().value as string);
  return zone;
}
