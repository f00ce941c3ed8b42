import type { DuckDBConnection } from "@duckdb/node-api";
import type pg from "pg";
import { borrowDuckdb, type DuckdbLease } from "../../db/duckdb.ts";
import { phase } from "../../trace.ts";
import { bronzeWhere, PlacingSession } from "../session.ts";
import type { BronzeLoad, StepHooks } from "../types.ts";
import { applyBronze } from "./bronze.ts";
import { warehouseError } from "./errors.ts";
import * as meta from "./metadata.ts";
import { maintain, pruneChangeFeed } from "./retention.ts";
import { applySilver, rebuildSilver } from "./silver.ts";
import { stageLoad } from "./staging/index.ts";
import { tableColumns } from "./tables.ts";

/** The operations a PostgreSQL session runs on its connection. */
const operations = {
  ensureMetadata: meta.ensureMetadata,
  applySilver,
  rebuildSilver,
  pruneChangeFeed,
  maintain,
  columns: tableColumns,
};

/**
 * One pooled connection to a PostgreSQL warehouse, used by one execution (see `connect` in dialect.ts and
 * pool.ts): returned to the pool when the session closes, or destroyed when an operation of it failed, since a
 * failure may leave it mid-COPY or in an aborted transaction.
 */
export class PostgresSession extends PlacingSession<pg.PoolClient> {
  /** Prints landed parquet as COPY text; created on the first bronze commit of the session. */
  private duck: { lease: DuckdbLease; connection: DuckDBConnection } | null = null;
  private failed = false;
  private released = false;

  constructor(client: pg.PoolClient, name: string) {
    super(client, name, operations);
  }

  protected placeError(error: unknown, where: string) {
    this.failed = true;
    return warehouseError(error, where);
  }

  private async duckdb(): Promise<DuckDBConnection> {
    if (!this.duck) {
      // One thread: PostgreSQL's COPY parses what DuckDB prints on one core, and a second DuckDB thread only takes
      // CPU from it (the bench's posts, 937,500 rows, loaded in 6.4-6.6 s with one thread, 7.1-7.2 s with two).
      const lease = await borrowDuckdb({ threads: 1 });
      const connection = await lease.instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      this.duck = { lease, connection };
    }
    return this.duck.connection;
  }

  metadataTables() {
    return meta.METADATA_TABLES;
  }

  checkpointedBatches(pipeline: string, _schema: string, table: string) {
    return this.run(`bronze checkpoints of ${table}`, () =>
      meta.checkpointedBatches(this.client, pipeline, table),
    );
  }

  async applyBronze(load: BronzeLoad, hooks: StepHooks) {
    // Staging (download, DuckDB planning) runs outside `run`: what fails there is not the warehouse's.
    const duck = await phase("bronze: open DuckDB", () => this.duckdb());
    const staged = await phase("bronze: download and plan staging", () =>
      stageLoad(duck, load, hooks.log).catch((error: unknown) => {
        this.failed = true;
        throw error;
      }),
    );
    return this.run(bronzeWhere(load), () => applyBronze(this.client, staged, hooks));
  }

  async close() {
    if (this.duck) {
      this.duck.connection.closeSync();
      // A session whose work failed (a staging stream cut short among others) gives its instance up.
      await this.duck.lease.release(!this.failed);
      this.duck = null;
    }
    if (this.released) return;
    this.released = true;
    this.client.release(this.failed);
  }
}
