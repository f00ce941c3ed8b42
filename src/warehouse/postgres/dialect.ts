import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { typeNameCheck } from "../type-check.ts";
import type { WarehouseCapabilities, WarehouseDialect, WarehouseSession } from "../types.ts";
import { describePooled, releasePools } from "./describe.ts";
import { warehouseError } from "./errors.ts";
import { checkout, endSessionPools } from "./pool.ts";
import { PostgresSession } from "./session.ts";
import { sqlType } from "./sql.ts";
import { columnType } from "./types.ts";

/**
 * PostgreSQL 15+: SCD1 and SCD2 silver, declarative list/hash partitioning, `cluster_by` as a b-tree index (at
 * most 32 columns, PostgreSQL's INDEX_MAX_KEYS); batches of changes read from a source's log.
 */
export const capabilities: WarehouseCapabilities = {
  mergeStrategies: ["upsert", "scd2"],
  partitioning: ["list", "hash"],
  maxClusterColumns: 32,
  changeBatches: true,
};

/**
 * Takes one connection of the warehouse's pool for the session (see pool.ts); temp tables (staging) need the whole
 * commit on one connection.
 */
async function connect(db: ResolvedDatabase): Promise<WarehouseSession> {
  try {
    return new PostgresSession(await checkout(db), db.name);
  } catch (error) {
    throw warehouseError(error, `warehouse ${db.name} (${db.host}:${db.port}/${db.database})`);
  }
}

/** Closes the connections the pages and the executions keep. */
async function release(): Promise<void> {
  await Promise.all([releasePools(), endSessionPools()]);
}

/** The PostgreSQL warehouse. */
export const postgresDialect: WarehouseDialect = {
  kind: "postgres",
  capabilities,
  lineage: { scheme: "postgres", databaseInName: true },
  columnType,
  checkType: typeNameCheck(sqlType, "PostgreSQL"),
  connect,
  describe: describePooled,
  release,
};
