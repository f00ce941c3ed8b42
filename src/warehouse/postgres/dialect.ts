import pg from "pg";
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
import { warehouseError } from "./errors.ts";
import * as meta from "./metadata.ts";
import { pruneChangeFeed } from "./retention.ts";
import { applySilver, rebuildSilver } from "./silver.ts";
import { quoteIdent } from "./sql.ts";

/** PostgreSQL 15+: MERGE without RETURNING, transactional DDL, declarative list/hash partitioning, COPY of CSV. */
export const capabilities: WarehouseCapabilities = {
  supportsMerge: true,
  supportsReturningFromMerge: false,
  transactionalDdl: true,
  mergeStrategies: ["upsert", "scd2"],
  partitioning: ["list", "hash"],
  stagingFormat: "csv",
};

class PostgresSession implements WarehouseSession {
  readonly capabilities = capabilities;

  constructor(
    private readonly client: pg.Client,
    private readonly name: string,
  ) {}

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

  applyBronze(load: BronzeLoad, hooks: StepHooks) {
    const ids = load.batches.map((b) => b.batchId);
    const where = `bronze table ${load.schema}.${load.table.name}, batch ${ids[0]}${ids.length > 1 ? `..${ids.at(-1)}` : ""}`;
    return this.run(where, () => applyBronze(this.client, load, hooks));
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

  async close() {
    await this.client.end().catch(() => undefined);
  }
}

/** Opens one connection; temp tables (staging) need the whole commit on one session. */
async function connect(db: ResolvedDatabase): Promise<WarehouseSession> {
  const client = new pg.Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    application_name: "smelter",
  });
  // A dropped connection emits 'error' outside any query; the failing query reports it.
  client.on("error", () => undefined);
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
export const postgresDialect: WarehouseDialect = { kind: "postgres", capabilities, quoteIdent, connect };
