import { silverTarget } from "../spec/lookup.ts";
import { resolveDatabase } from "../spec/resolve.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { openWarehouse } from "./index.ts";
import type { MaintenanceResult, PruneResult, SilverResult, WarehouseSession } from "./types.ts";

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
): Promise<PruneResult> {
  const consumers = spec.silver.filter((m) => m.from === table).map((m) => m.name);
  const warehouse = await openWarehouse(spec, env);
  try {
    const feed = { pipeline: spec.name, schema: spec.bronzeSchema, table, consumers };
    return await warehouse.pruneChangeFeed(feed, options);
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

/** One table's maintenance: which table, and what was done or why it failed. */
export interface TableMaintenance {
  /** `bronze.<table>` or `silver.<model>`. */
  target: string;
  /** Null: the table does not exist yet. */
  result?: MaintenanceResult | null;
  error?: string;
}

/** Maintains each target over one warehouse session; a table that fails is reported and the others go on. */
async function maintainEach(
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  options: { retainHours: number },
  targets: (session: WarehouseSession) => { target: string; schema: string; table: string }[],
): Promise<TableMaintenance[]> {
  const warehouse = await openWarehouse(spec, env);
  const out: TableMaintenance[] = [];
  try {
    for (const { target, schema, table } of targets(warehouse)) {
      try {
        out.push({ target, result: await warehouse.maintain(schema, table, options) });
      } catch (error) {
        out.push({ target, error: (error as Error).message });
      }
    }
  } finally {
    await warehouse.close();
  }
  return out;
}

/** Maintenance of every table a pipeline writes: each bronze table, then each silver model's table. */
export function maintainPipeline(
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  options: { retainHours: number },
): Promise<TableMaintenance[]> {
  return maintainEach(spec, env, options, () => [
    ...spec.tables.map((t) => ({ target: `bronze.${t.name}`, schema: spec.bronzeSchema, table: t.name })),
    ...spec.silver.map((m) => ({ target: `silver.${m.name}`, schema: spec.silverSchema, table: m.name })),
  ]);
}

/**
 * Maintenance of the warehouse's own bookkeeping tables (every commit adds to them), once per warehouse: `done`
 * holds the warehouses already maintained in this run (kind, address, database and catalog), for which the call
 * does nothing and returns an empty list.
 */
export async function maintainMetadata(
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  options: { retainHours: number },
  done: Set<string>,
): Promise<TableMaintenance[]> {
  const db = resolveDatabase(spec, spec.warehouse, env);
  const where = JSON.stringify([db.kind, db.host, db.port, db.database, db.catalog ?? null]);
  if (done.has(where)) return [];
  done.add(where);
  return maintainEach(spec, env, options, (session) =>
    session.metadataTables().map(({ schema, table }) => ({
      target: `metadata.${schema}.${table}`,
      schema,
      table,
    })),
  );
}
