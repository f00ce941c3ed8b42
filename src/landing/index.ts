import type { ResolvedLanding } from "../spec/resolve.ts";
import { LocalLandingZone } from "./local.ts";
import { S3LandingZone } from "./s3.ts";
import type { LandingZone } from "./types.ts";

export * from "./layout.ts";
export * from "./manifest.ts";
export type { BatchManifest, LandingZone, ManifestColumn } from "./types.ts";

/** Opens the landing zone a resolved landing connection describes (S3 or a local directory). */
export function openLandingZone(resolved: ResolvedLanding): LandingZone {
  switch (resolved.kind) {
    case "s3":
      return new S3LandingZone(resolved);
    case "local":
      return new LocalLandingZone(resolved.path, resolved.prefix);
  }
}
