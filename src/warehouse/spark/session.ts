import { bronzeWhere, PlacingSession } from "../session.ts";
import type { BronzeLoad, StepHooks } from "../types.ts";
import { applyBronze, bronzeCommits, bronzeHistory } from "./bronze.ts";
import { applyChangeBatches } from "./changes.ts";
import type { SparkClient } from "./client.ts";
import { sparkError } from "./errors.ts";
import { ensureMetadata, type HistoryPage, METADATA_TABLES } from "./metadata.ts";
import { maintain, pruneChangeFeed } from "./retention.ts";
import { applySilver, rebuildSilver } from "./silver.ts";
import { seenColumns, watchColumns } from "./tables.ts";

/** The operations a Spark session runs on its Thrift session. */
const operations = {
  ensureMetadata,
  applySilver,
  rebuildSilver,
  pruneChangeFeed,
  maintain,
  columns: seenColumns,
};

/**
 * A Thrift session of a Spark warehouse, used by one execution; kept in its pool for the next one when it ends
 * well (see `connect` in dialect.ts).
 */
export class SparkSession extends PlacingSession<SparkClient> {
  /**
   * The history of a bronze table as `checkpointedBatches` read it, by pipeline and table, for the execution's
   * first `applyBronze` on it (the next ones read it again: the first one's commit is not in it).
   */
  private readonly histories = new Map<string, HistoryPage>();

  /** Set when a statement failed: the session's state is not known, so it is closed rather than kept. */
  private failed = false;

  constructor(
    client: SparkClient,
    name: string,
    private readonly pool: SparkClient[],
    private readonly poolSize: number,
  ) {
    super(client, name, operations);
    watchColumns(client);
  }

  protected placeError(error: unknown, where: string) {
    this.failed = true;
    return sparkError(error, where);
  }

  metadataTables() {
    return METADATA_TABLES;
  }

  checkpointedBatches(pipeline: string, schema: string, table: string) {
    // With the commits only Delta's history knows yet (a crash before their record): their batches are applied,
    // and the next record written for the table covers them.
    return this.run(`bronze checkpoints of ${table}`, async () => {
      const found = await bronzeHistory(this.client, schema, table);
      this.histories.set(JSON.stringify([pipeline, table]), found);
      const { commits } = await bronzeCommits(this.client, pipeline, schema, table, found);
      return new Set(commits.flatMap((c) => c.batchIds));
    });
  }

  applyBronze(load: BronzeLoad, hooks: StepHooks) {
    const key = JSON.stringify([load.pipeline, load.table.name]);
    const found = this.histories.get(key);
    this.histories.delete(key);
    // Changes read from a log are applied in log order, a version per change of a key (see changes.ts).
    const apply = load.batches.some((b) => b.changes) ? applyChangeBatches : applyBronze;
    return this.run(bronzeWhere(load), () => apply(this.client, load, hooks, found));
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
