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

/** Opens the landing zone a resolved landing connection describes (S3 or a local directory). */
export function openLandingZone(resolved: ResolvedLanding): LandingZone {
  const open = LANDING_ZONES[resolved.kind] as (r: ResolvedLanding) => LandingZone;
  return open(resolved);
}
