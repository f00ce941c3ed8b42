import { bronzeCommits } from "./bronze.ts";
import type { SparkClient } from "./client.ts";
import * as meta from "./metadata.ts";
import { integer, literal, qualified } from "./sql.ts";

/**
 * Change-feed retention on Delta: raises the table's floor to the newest version every consumer (silver model) has
 * merged (a consumer that never ran holds it at 0; `keepLast` keeps the newest N versions too), so that a reader
 * whose checkpoint is below it fails clearly instead of silently missing changes. Returns the change rows the
 * floor put out of reach. Delta keeps the change data files themselves until `VACUUM` removes them after the
 * table's `delta.deletedFileRetentionDuration`; smelter does not delete them.
 */
export async function pruneChangeFeed(
  client: SparkClient,
  pipeline: string,
  schema: string,
  table: string,
  consumers: string[],
  options: { keepLast?: number } = {},
): Promise<{ floor: number; deletedRows: number }> {
  const commits = await bronzeCommits(client, pipeline, schema, table, false);
  const current = Math.max(0, ...commits.map((c) => c.version ?? 0));
  const floor = await meta.retentionFloor(client, pipeline, table);
  let target = current;
  for (const model of consumers)
    target = Math.min(target, (await meta.lastSilver(client, pipeline, model))?.version ?? 0);
  if (options.keepLast !== undefined) target = Math.min(target, current - options.keepLast);
  if (target <= floor) return { floor, deletedRows: 0 };
  const deltaOf = (v: number) => commits.find((c) => c.version === v)?.deltaVersion ?? -1;
  const counted = await client.query(
    `SELECT count(*) AS n FROM table_changes(${literal(qualified(schema, table))}, ${integer(deltaOf(floor) + 1)}, ${integer(deltaOf(target))})`,
  );
  await meta.setRetentionFloor(client, pipeline, table, target);
  return { floor: target, deletedRows: Number(counted[0]?.n ?? 0) };
}
