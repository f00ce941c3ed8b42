import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { typeNameCheck } from "../type-check.ts";
import type { WarehouseCapabilities, WarehouseDialect, WarehouseSession } from "../types.ts";
import { SparkClient } from "./client.ts";
import { describe } from "./describe.ts";
import { sparkError } from "./errors.ts";
import { SparkSession } from "./session.ts";
import { quoteIdent, sparkType } from "./sql.ts";
import { columnType } from "./types.ts";

/**
 * Delta Lake on Apache Spark, through a Spark Thrift server (HiveServer2 protocol): SCD1 and SCD2 silver;
 * `cluster_by` as Delta liquid clustering (at most 4 columns); no `partition_by` (Delta's directory partitioning
 * and liquid clustering exclude each other, and clustering is what Delta recommends for new tables).
 */
export const capabilities: WarehouseCapabilities = {
  mergeStrategies: ["upsert", "scd2"],
  partitioning: [],
  maxClusterColumns: 4,
  // Change batches are applied a round (a Delta commit) per change of a key: see changes.ts.
  changeBatches: true,
};

/**
 * Idle Thrift sessions by server and user. Spark prepares a new session's state on its first statements (a few
 * seconds on two cores), so an execution takes a session the last one left (its temporary views replaced and
 * settings reset by every commit) instead of opening one. At most `maxConnections` are kept per warehouse.
 */
const pools = new Map<string, SparkClient[]>();

async function session(db: ResolvedDatabase): Promise<{ client: SparkClient; pool: SparkClient[] }> {
  // A kept session holds the connection's catalog, table location and landing path: they are part of its key.
  const key = JSON.stringify([db.user, db.host, db.port, db.catalog, db.location, db.landingPath]);
  let pool = pools.get(key);
  if (!pool) {
    pool = [];
    pools.set(key, pool);
  }
  for (let kept = pool.pop(); kept; kept = pool.pop()) {
    if (!kept.usable) continue;
    kept.idle(false);
    return { client: kept, pool };
  }
  const client = await SparkClient.connect(db);
  try {
    await client.run(
      `SET CATALOG ${quoteIdent(db.catalog ?? "spark_catalog")}`,
      // Timestamps in and out of the warehouse are UTC, whatever the server's default.
      "SET spark.sql.session.timeZone=UTC",
      // MERGE sources here are immutable landed files and cached views: Delta need not copy them first to guard
      // against a source that changes between the MERGE's two passes (a job fewer per MERGE).
      "SET spark.databricks.delta.merge.materializeSource=none",
    );
  } catch (error) {
    await client.close();
    throw sparkError(error, client.where);
  }
  return { client, pool };
}

/** Closes the kept sessions (service shutdown, tests). */
async function release(): Promise<void> {
  const all = [...pools.values()].flat();
  pools.clear();
  await Promise.all(all.map((c) => c.close().catch(() => undefined)));
}

/** A session for one execution: a commit's temporary views and settings live in it. */
async function connect(db: ResolvedDatabase): Promise<WarehouseSession> {
  const { client, pool } = await session(db);
  return new SparkSession(client, db.name, pool, db.maxConnections);
}

/** Delta Lake on Spark. */
export const sparkDialect: WarehouseDialect = {
  kind: "spark",
  capabilities,
  // A Spark Thrift server speaks HiveServer2: its tables are named as Hive's, `{schema}.{table}`.
  lineage: { scheme: "hive", databaseInName: false },
  columnType,
  checkType: typeNameCheck(sparkType, "Spark SQL"),
  connect,
  describe,
  release,
};
