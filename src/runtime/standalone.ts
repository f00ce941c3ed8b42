import type pg from "pg";
import type { WatermarkStore } from "../contracts/stores.ts";
import { pgPool } from "../db/pg.ts";
import { noWatermarkStore, PgWatermarkStore } from "../state/watermarks.ts";

/**
 * The state of a process that runs steps without the service (`smelter run`, test and bench children): the
 * state database of `SMELTER_STATE_URL` when it is set. The pool connects on first use; without the variable,
 * extract's watermarks fail with a ConfigError that says what to set and there are no locks to take.
 */
export interface StandaloneState {
  /** The state database pool; undefined without `SMELTER_STATE_URL`. */
  pool: pg.Pool | undefined;
  watermarks: WatermarkStore;
  close(): Promise<void>;
}

/** Opens the standalone state of `env` (see `StandaloneState`). */
export function standaloneState(env: NodeJS.ProcessEnv, application = "smelter run"): StandaloneState {
  const url = env.SMELTER_STATE_URL;
  if (!url) return { pool: undefined, watermarks: noWatermarkStore, close: async () => undefined };
  // Idle connections do not keep a short-lived process alive.
  const pool = pgPool(url, { application, max: 3, allowExitOnIdle: true });
  return { pool, watermarks: new PgWatermarkStore(pool), close: () => pool.end() };
}
