import pg from "pg";
import { TransientError } from "../errors.ts";
import { migrate } from "./migrate.ts";

/**
 * Opens the pool of the service state database and brings its schema up to date. `size` should leave room for
 * one session per running execution (advisory locks are held on a dedicated connection) plus request traffic.
 */
export async function openStateDb(url: string, size: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: size, application_name: "smelter" });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", () => {});
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

/** `host:port/db` of a connection URL, without user or password, for messages. */
export function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
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
