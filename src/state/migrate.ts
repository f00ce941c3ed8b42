import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Advisory lock key serialising migrations across replicas that start at the same time. */
const MIGRATION_LOCK = 0x736d656c; // "smel"

/**
 * Applies the versioned SQL files of `src/state/migrations/` (`NNN_name.sql`, in order) that the state database
 * has not seen yet, each in its own transaction, and records them in `smelter.schema_migrations`.
 * Safe to call from several replicas at once. Returns the versions it applied.
 */
export async function migrate(client: pg.PoolClient | pg.Client): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await client.query("CREATE SCHEMA IF NOT EXISTS smelter");
    await client.query(
      `CREATE TABLE IF NOT EXISTS smelter.schema_migrations (
         version text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: string }>("SELECT version FROM smelter.schema_migrations");
    const seen = new Set(rows.map((r) => r.version));
    for (const file of files) {
      const version = file.replace(/\.sql$/, "");
      if (seen.has(version)) continue;
      const sql = await readFile(MIGRATIONS_DIR + file, "utf8");
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query("INSERT INTO smelter.schema_migrations (version) VALUES ($1)", [version]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`state migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(version);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
  return applied;
}
