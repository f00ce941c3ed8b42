import { ConfigError } from "../errors.ts";
import { resolveDatabase } from "../spec/resolve.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { phase } from "../trace.ts";
import { postgresDialect } from "./postgres/dialect.ts";
import { sparkDialect } from "./spark/dialect.ts";
import type { WarehouseDialect, WarehouseSession } from "./types.ts";

export type * from "./types.ts";

/** Warehouse kinds by name: a new warehouse is a new folder plus one line here. */
export const WAREHOUSES: Record<string, WarehouseDialect> = {
  postgres: postgresDialect,
  spark: sparkDialect,
};

/** The dialect of a kind; a ConfigError for kinds smelter cannot write to. */
export function warehouseDialect(kind: string): WarehouseDialect {
  const dialect = WAREHOUSES[kind];
  if (!dialect) {
    throw new ConfigError(
      `warehouse kind "${kind}" is not supported (supported: ${Object.keys(WAREHOUSES).join(", ")})`,
    );
  }
  return dialect;
}

/** Connects to the pipeline's warehouse and makes sure its `_smelter` metadata schema exists. */
export async function openWarehouse(spec: PipelineSpec, env: NodeJS.ProcessEnv): Promise<WarehouseSession> {
  const db = resolveDatabase(spec, spec.warehouse, env);
  const session = await phase("warehouse: connect", () => warehouseDialect(db.kind).connect(db));
  try {
    await phase("warehouse: metadata schema check", () => session.ensureMetadata());
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}
