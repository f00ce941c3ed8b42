import type { ResolvedDatabase } from "../../spec/resolve.ts";
import type {
  BronzeLoad,
  SilverTarget,
  StepHooks,
  WarehouseCapabilities,
  WarehouseDialect,
  WarehouseSession,
} from "../types.ts";
import { applyBronze } from "./bronze.ts";
import { SparkClient } from "./client.ts";
import { describe } from "./describe.ts";
import { sparkError } from "./errors.ts";
import { type BronzeCommit, bronzeCommits, ensureMetadata, METADATA_TABLES } from "./metadata.ts";
import { maintain, pruneChangeFeed } from "./retention.ts";
import { applySilver, rebuildSilver } from "./silver.ts";
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
};

function checkType(type: string): string | null {
  try {
    sparkType(type, "type");
    return null;
  } catch {
    return `"${type}" is not a Spark SQL type name`;
  }
}

class SparkSession implements WarehouseSession {
  /**
   * Recorded bronze commits read by `checkpointedBatches`, by pipeline and table: the executor's next
   * `applyBronze` calls on the same table start from them instead of reading them again.
   */
  private readonly recorded = new Map<string, BronzeCommit[]>();

  /** Set when a statement failed: the session's state is not known, so it is closed rather than kept. */
  private failed = false;

  constructor(
    private readonly client: SparkClient,
    private readonly name: string,
    private readonly pool: SparkClient[],
    private readonly poolSize: number,
  ) {}

  private async run<T>(where: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.failed = true;
      throw sparkError(error, `warehouse ${this.name}, ${where}`);
    }
  }

  ensureMetadata() {
    return this.run("metadata schema _smelter", () => ensureMetadata(this.client));
  }

  checkpointedBatches(pipeline: string, table: string) {
    // Recorded commits only: a commit that only Delta's history knows yet (a crash before its record) is taken
    // from history by the next applyBronze, which then skips its batches.
    return this.run(`bronze checkpoints of ${table}`, async () => {
      const commits = await bronzeCommits(this.client, pipeline, table);
      this.recorded.set(`${pipeline}\u0000${table}`, commits);
      return new Set(commits.flatMap((c) => c.batchIds));
    });
  }

  applyBronze(load: BronzeLoad, hooks: StepHooks) {
    const ids = load.batches.map((b) => b.batchId);
    const where = `bronze table ${load.schema}.${load.table.name}, batch ${ids[0]}${ids.length > 1 ? `..${ids.at(-1)}` : ""}`;
    const recorded = this.recorded.get(`${load.pipeline}\u0000${load.table.name}`);
    return this.run(where, () => applyBronze(this.client, load, hooks, recorded));
  }

  applySilver(target: SilverTarget, hooks: StepHooks) {
    return this.run(`silver model ${target.silverSchema}.${target.model.name}`, () =>
      applySilver(this.client, target, hooks),
    );
  }

  rebuildSilver(target: SilverTarget) {
    return this.run(`rebuilding silver model ${target.silverSchema}.${target.model.name}`, () =>
      rebuildSilver(this.client, target),
    );
  }

  pruneChangeFeed(
    pipeline: string,
    schema: string,
    table: string,
    consumers: string[],
    options?: { keepLast?: number },
  ) {
    return this.run(`change feed of ${schema}.${table}`, () =>
      pruneChangeFeed(this.client, pipeline, schema, table, consumers, options),
    );
  }

  readonly metadataTables = METADATA_TABLES;

  maintain(schema: string, table: string, options: { retainHours: number }) {
    return this.run(`maintenance of ${schema}.${table}`, () => maintain(this.client, schema, table, options));
  }

  /** Keeps the Thrift session for the next execution (see `connect`), or closes it. */
  async close() {
    if (!this.failed && this.client.usable && this.pool.length < this.poolSize) {
      this.client.idle(true);
      this.pool.push(this.client);
      return;
    }
    await this.client.close();
  }
}

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
  columnType,
  checkType,
  connect,
  describe,
  release,
};
