import type pg from "pg";
import { pgPool, safeHost } from "../db/pg.ts";
import { TransientError } from "../errors.ts";
import { migrate } from "./migrate.ts";

/**
 * Opens the pool of the service state database and brings its schema up to date. `size` should leave room for
 * one session per running execution (advisory locks are held on a dedicated connection) plus request traffic.
 */
export async function openStateDb(url: string, size: number): Promise<pg.Pool> {
  const pool = pgPool(url, { application: "smelter", max: size });
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    const host = safeHost(url);
    throw new TransientError(`state database ${host} is unreachable: ${(error as Error).message}`, error);
  }
  try {
    await migrate(client);
  } finally {
    client.release();
  }
  return pool;
}

/** Runs `fn` in a transaction on one pooled client. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
