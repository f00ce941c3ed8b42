import type { ChangeFeed, MaintenanceResult, PruneResult } from "../types.ts";
import { bronzeCommits } from "./bronze.ts";
import type { SparkClient } from "./client.ts";
import * as meta from "./metadata.ts";
import { integer, literal, qualified } from "./sql.ts";
import { isMissing } from "./tables.ts";

/**
 * Change-feed retention on Delta: raises the table's floor to the newest version every consumer (silver model) has
 * merged (a consumer that never ran holds it at 0; `keepLast` keeps the newest N versions too), so that a reader
 * whose checkpoint is below it fails clearly instead of silently missing changes. Returns the change rows the
 * floor put out of reach. Delta keeps the change data files themselves until `VACUUM` removes them after the
 * table's `delta.deletedFileRetentionDuration`; smelter does not delete them.
 */
export async function pruneChangeFeed(
  client: SparkClient,
  { pipeline, schema, table, consumers }: ChangeFeed,
  options: { keepLast?: number } = {},
): Promise<PruneResult> {
  const { commits } = await bronzeCommits(client, pipeline, schema, table);
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

/** Delta's default `delta.deletedFileRetentionDuration`: VACUUM refuses a shorter retention unless told. */
const DELTA_MIN_RETAIN_HOURS = 168;

async function fileCount(client: SparkClient, table: string): Promise<number> {
  const rows = await client.query(`DESCRIBE DETAIL ${table}`);
  return Number(rows[0]?.numFiles ?? 0);
}

/**
 * Maintenance of one Delta table: `OPTIMIZE` compacts small files (and clusters them on a liquid-clustered
 * table), then `VACUUM ... RETAIN <retainHours> HOURS` deletes files no version within the retention reads. A
 * retention under Delta's default 7 days lifts Delta's safety check for that statement only: readers of older
 * versions (a silver model lagging that far behind, time travel) fail afterwards, which is what was asked.
 */
export async function maintain(
  client: SparkClient,
  schema: string,
  table: string,
  options: { retainHours: number },
): Promise<MaintenanceResult | null> {
  const name = qualified(schema, table);
  let before: number;
  try {
    before = await fileCount(client, name);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  await client.query(`OPTIMIZE ${name}`);
  const after = await fileCount(client, name);
  const hours = Math.max(0, Math.floor(options.retainHours));
  const check = "spark.databricks.delta.retentionDurationCheck.enabled";
  if (hours < DELTA_MIN_RETAIN_HOURS) await client.query(`SET ${check}=false`);
  try {
    await client.query(`VACUUM ${name} RETAIN ${integer(hours)} HOURS`);
  } finally {
    if (hours < DELTA_MIN_RETAIN_HOURS) await client.query(`RESET ${check}`);
  }
  return { files: { before, after }, vacuumed: true };
}
