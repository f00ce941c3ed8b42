import { hostTarget, pgClient } from "../../db/pg.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { typeNameCheck } from "../type-check.ts";
import type { WarehouseCapabilities, WarehouseDialect, WarehouseSession } from "../types.ts";
import { describePooled, releasePools } from "./describe.ts";
import { warehouseError } from "./errors.ts";
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

/** Opens one connection; temp tables (staging) need the whole commit on one session. */
async function connect(db: ResolvedDatabase): Promise<WarehouseSession> {
  const client = pgClient(hostTarget(db), { application: "smelter" });
  try {
    await client.connect();
    // Staging and change classification live in temp tables; their buffers must be set before first use.
    await client.query("SET temp_buffers = '256MB'");
  } catch (error) {
    await client.end().catch(() => undefined);
    throw warehouseError(error, `warehouse ${db.name} (${db.host}:${db.port}/${db.database})`);
  }
  return new PostgresSession(client, db.name);
}

/** The PostgreSQL warehouse. */
export const postgresDialect: WarehouseDialect = {
  kind: "postgres",
  capabilities,
  columnType,
  checkType: typeNameCheck(sqlType, "PostgreSQL"),
  connect,
  describe: describePooled,
  release: releasePools,
};
