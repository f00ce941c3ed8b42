import { silverTarget } from "../spec/lookup.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { openWarehouse } from "./index.ts";
import type { SilverResult } from "./types.ts";

/**
 * Operations on warehouse state outside the normal steps; documented in docs/bronze-silver.md.
 */

/**
 * Change-feed retention for one bronze table: deletes the versions every silver model reading the table has
 * merged (optionally keeping the newest `keepLast`), and raises the table's retention floor.
 */
export async function pruneChangeFeed(
  spec: PipelineSpec,
  table: string,
  env: NodeJS.ProcessEnv,
  options: { keepLast?: number } = {},
): Promise<{ floor: number; deletedRows: number }> {
  const consumers = spec.silver.filter((m) => m.from === table).map((m) => m.name);
  const warehouse = await openWarehouse(spec, env);
  try {
    return await warehouse.pruneChangeFeed(spec.name, spec.bronzeSchema, table, consumers, options);
  } finally {
    await warehouse.close();
  }
}

/** Full refresh of a silver model from its bronze table's current rows (see `WarehouseSession.rebuildSilver`). */
export async function rebuildSilver(
  spec: PipelineSpec,
  model: string,
  env: NodeJS.ProcessEnv,
): Promise<SilverResult> {
  const warehouse = await openWarehouse(spec, env);
  try {
    return await warehouse.rebuildSilver(silverTarget(spec, model));
  } finally {
    await warehouse.close();
  }
}
