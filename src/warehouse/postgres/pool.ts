import type pg from "pg";
import { hostTarget, pgPool } from "../../db/pg.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";

/**
 * Connections of executions, kept per warehouse (host, port, database, user and password) from one execution to
 * the next: a tiny step otherwise spends more on connecting (15-30 ms with authentication) than on its SQL. A
 * session leaves nothing behind on its connection: its transactions end in COMMIT or ROLLBACK, its temp tables
 * are ON COMMIT DROP, its settings SET LOCAL; a session that failed destroys its connection instead of
 * returning it (see `PostgresSession.close`).
 */

/** Connections kept per warehouse at most; an execution beyond them waits for one to be returned. */
const MAX_CONNECTIONS = 16;
/** An idle connection is closed after this long: a quiet service holds none. */
const IDLE_MS = 60_000;

const pools = new Map<string, pg.Pool>();
/** Connections that have had their session settings applied. */
const prepared = new WeakSet<pg.PoolClient>();

function poolOf(db: ResolvedDatabase): pg.Pool {
  const target = hostTarget(db);
  const key = JSON.stringify(target);
  let pool = pools.get(key);
  if (!pool) {
    // Idle connections do not keep a short-lived process (`smelter run`) alive.
    pool = pgPool(target, {
      application: "smelter",
      max: MAX_CONNECTIONS,
      idleTimeoutMs: IDLE_MS,
      allowExitOnIdle: true,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** A connection of the warehouse's pool, its session settings applied; the caller releases it. */
export async function checkout(db: ResolvedDatabase): Promise<pg.PoolClient> {
  const client = await poolOf(db).connect();
  if (prepared.has(client)) return client;
  try {
    // Staging and change classification live in temp tables; their buffers must be set before first use.
    await client.query("SET temp_buffers = '256MB'");
  } catch (error) {
    client.release(true);
    throw error;
  }
  prepared.add(client);
  return client;
}

/** Closes every kept connection (service shutdown, tests). */
export async function endSessionPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}
