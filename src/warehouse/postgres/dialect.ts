import type { DuckDBConnection } from "@duckdb/node-api";
import type pg from "pg";
import { openDuckdb } from "../../db/duckdb.ts";
import { hostTarget, pgClient } from "../../db/pg.ts";
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
import { describePooled, releasePools } from "./describe.ts";
import { warehouseError } from "./errors.ts";
import * as meta from "./metadata.ts";
import { maintain, pruneChangeFeed } from "./retention.ts";
import { applySilver, rebuildSilver } from "./silver.ts";
import { sqlType } from "./sql.ts";
import { stageLoad } from "./staging/index.ts";
import { columnType } from "./types.ts";

/**
 * PostgreSQL 15+: SCD1 and SCD2 silver, declarative list/hash partitioning, `cluster_by` as a b-tree index (at
 * most 32 columns, PostgreSQL's INDEX_MAX_KEYS).
 */
export const capabilities: WarehouseCapabilities = {
  mergeStrategies: ["upsert", "scd2"],
  partitioning: ["list", "hash"],
  maxClusterColumns: 32,
};

/** A type name spliced into DDL must have the shape of one (types cannot be bound); PostgreSQL checks the rest. */
function checkType(type: string): string | null {
  try {
    sqlType(type, "type");
    return null;
  } catch {
    return `"${type}" is not a PostgreSQL type name`;
  }
}

class PostgresSession implements WarehouseSession {
  /** Prints landed parquet as COPY text; created on the first bronze commit of the session. */
  private duck: DuckDBConnection | null = null;

  constructor(
    private readonly client: pg.Client,
    private readonly name: string,
  ) {}

  private async duckdb(): Promise<DuckDBConnection> {
    if (!this.duck) {
      // One thread: PostgreSQL's COPY parses what DuckDB prints on one core, and a second DuckDB thread only takes
      // CPU from it (the bench's posts, 937,500 rows, loaded in 6.4-6.6 s with one thread, 7.1-7.2 s with two).
      this.duck = await (await openDuckdb({ threads: 1 })).connect();
      await this.duck.run("SET TimeZone = 'UTC'");
    }
    return this.duck;
  }

  private async run<T>(where: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw warehouseError(error, `warehouse ${this.name}, ${where}`);
    }
  }

  ensureMetadata() {
    return this.run("metadata schema _smelter", () => meta.ensureMetadata(this.client));
  }

  checkpointedBatches(pipeline: string, table: string) {
    return this.run(`bronze checkpoints of ${table}`, () =>
      meta.checkpointedBatches(this.client, pipeline, table),
    );
  }

  async applyBronze(load: BronzeLoad, hooks: StepHooks) {
    const ids = load.batches.map((b) => b.batchId);
    const where = `bronze table ${load.schema}.${load.table.name}, batch ${ids[0]}${ids.length > 1 ? `..${ids.at(-1)}` : ""}`;
    const staged = await stageLoad(await this.duckdb(), load, hooks.log);
    return this.run(where, () => applyBronze(this.client, staged, hooks));
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

  readonly metadataTables = meta.METADATA_TABLES;

  maintain(schema: string, table: string) {
    return this.run(`maintenance of ${schema}.${table}`, () => maintain(this.client, schema, table));
  }

  async close() {
    this.duck?.closeSync();
    this.duck = null;
    await this.client.end().catch(() => undefined);
  }
}

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
  checkType,
  connect,
  describe: describePooled,
  release: releasePools,
};
