import type { ResolvedDatabase } from "../spec/resolve.ts";
import { WAREHOUSES, warehouseDialect } from "../warehouse/index.ts";
import type { WarehouseQuery, WarehouseState } from "../warehouse/types.ts";

export type { WarehouseQuery, WarehouseState } from "../warehouse/types.ts";

/**
 * The warehouse side of a pipeline page, read through the warehouse's dialect; throws with a message fit for the
 * page (naming the warehouse, never its credentials) when it cannot be read.
 */
export async function readWarehouseState(
  db: ResolvedDatabase,
  query: WarehouseQuery,
  timeoutMs: number,
): Promise<WarehouseState> {
  try {
    return await warehouseDialect(db.kind).describe(db, query, timeoutMs);
  } catch (error) {
    throw new Error(
      `warehouse ${db.name} (${db.host}:${db.port}/${db.database}): ${(error as Error).message || String(error)}`,
    );
  }
}

/** Closes the connections the pages keep to warehouses (service shutdown, tests). */
export async function closeWarehousePools(): Promise<void> {
  await Promise.all(Object.values(WAREHOUSES).map((d) => d.release()));
}
