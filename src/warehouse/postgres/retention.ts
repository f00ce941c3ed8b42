import type { ClientBase } from "pg";
import type { ChangeFeed, MaintenanceResult, PruneResult } from "../types.ts";
import * as meta from "./metadata.ts";
import { lockedTransaction, qualified, quoteIdent } from "./sql.ts";
import { COMMIT_VERSION, changesName } from "./tables.ts";

/**
 * Change-feed retention: deletes the versions every consumer (silver model) has read, and records the new floor
 * so that a reader whose checkpoint is below it fails clearly instead of silently missing changes. A consumer
 * that never ran holds the floor at 0. `keepLast` additionally keeps the newest N versions.
 */
export async function pruneChangeFeed(
  client: ClientBase,
  { pipeline, schema, table, consumers }: ChangeFeed,
  options: { keepLast?: number } = {},
): Promise<PruneResult> {
  // The bronze lock: no commit adds versions while the floor moves.
  return lockedTransaction(client, `smelter:bronze:${pipeline}:${table}`, async () => {
    const current = await meta.currentVersion(client, pipeline, table);
    const floor = await meta.retentionFloor(client, pipeline, table);
    let target = current;
    for (const model of consumers)
      target = Math.min(target, await meta.silverCheckpoint(client, pipeline, model));
    if (options.keepLast !== undefined) target = Math.min(target, current - options.keepLast);
    if (target <= floor) return { floor, deletedRows: 0 };
    const deleted = await client.query(
      `DELETE FROM ${qualified(schema, changesName(table))} WHERE ${quoteIdent(COMMIT_VERSION)} <= $1`,
      [target],
    );
    await client.query(
      `INSERT INTO _smelter.change_feed_floor (pipeline, table_name, floor_version, pruned_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (pipeline, table_name) DO UPDATE SET floor_version = EXCLUDED.floor_version, pruned_at = now()`,
      [pipeline, table, target],
    );
    return { floor: target, deletedRows: deleted.rowCount ?? 0 };
  });
}

/**
 * Maintenance of one table (and its change feed table when it has one): `VACUUM (ANALYZE)` makes the space of
 * updated and deleted rows reusable and refreshes the planner's statistics. PostgreSQL keeps no versions to
 * retain, so `retainHours` has nothing to act on; autovacuum does the same work on its own schedule.
 */
export async function maintain(
  client: ClientBase,
  schema: string,
  table: string,
): Promise<MaintenanceResult | null> {
  const names = [table, changesName(table)].map((t) => qualified(schema, t));
  const { rows } = await client.query<{ name: string }>(
    "SELECT n AS name FROM unnest($1::text[]) AS n WHERE to_regclass(n) IS NOT NULL",
    [names],
  );
  if (!rows.some((r) => r.name === names[0])) return null;
  for (const { name } of rows) await client.query(`VACUUM (ANALYZE) ${name}`);
  return { files: null, vacuumed: true };
}
