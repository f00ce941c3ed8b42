import type { FreshnessSla } from "./types.ts";

/**
 * Where a table or model stands against its freshness SLA: `ok`, `warn` (older than `warn_after`), `error`
 * (older than `error_after`), `unknown` (an SLA but nothing applied yet, so no age), or `none` (no SLA).
 */
export type FreshnessState = "ok" | "warn" | "error" | "unknown" | "none";

/** The state of an age in seconds (null: nothing applied yet) against `sla`. */
export function freshnessState(ageSeconds: number | null, sla: FreshnessSla | undefined): FreshnessState {
  const warn = sla?.warnAfterSeconds ?? null;
  const error = sla?.errorAfterSeconds ?? null;
  if (warn === null && error === null) return "none";
  if (ageSeconds === null) return "unknown";
  if (error !== null && ageSeconds > error) return "error";
  if (warn !== null && ageSeconds > warn) return "warn";
  return "ok";
}

/** A state as the number a metric carries: 0 ok, 1 warn, 2 error; null for states without a number. */
export function freshnessLevel(state: FreshnessState): number | null {
  return state === "ok" ? 0 : state === "warn" ? 1 : state === "error" ? 2 : null;
}

/**
 * When the newest change a silver model holds was committed to bronze: its table's newest commit when the model
 * has merged every version; otherwise when the model last merged, which makes its age a lower bound.
 */
export function modelChangedAt(
  model: { checkpoint: number; updatedAt: string | null },
  table: { version: number; committedAt: string | null } | undefined,
): string | null {
  return table && table.version <= model.checkpoint ? table.committedAt : model.updatedAt;
}
