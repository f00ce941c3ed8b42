import { bronzeWhere, PlacingSession } from "../session.ts";
import type { BronzeLoad, StepHooks } from "../types.ts";
import { applyBronze } from "./bronze.ts";
import { applyChangeBatches } from "./changes.ts";
import type { SparkClient } from "./client.ts";
import { sparkError } from "./errors.ts";
import { type BronzeCommit, bronzeCommits, ensureMetadata, METADATA_TABLES } from "./metadata.ts";
import { maintain, pruneChangeFeed } from "./retention.ts";
import { applySilver, rebuildSilver } from "./silver.ts";

/** The operations a Spark session runs on its Thrift session. */
const operations = { ensureMetadata, applySilver, rebuildSilver, pruneChangeFeed, maintain };

/**
 * A Thrift session of a Spark warehouse, used by one execution; kept in its pool for the next one when it ends
 * well (see `connect` in dialect.ts).
 */
export class SparkSession extends PlacingSession<SparkClient> {
  /**
   * Recorded bronze commits read by `checkpointedBatches`, by pipeline and table: the executor's next
   * `applyBronze` calls on the same table start from them instead of reading them again.
   */
  private readonly recorded = new Map<string, BronzeCommit[]>();

  /** Set when a statement failed: the session's state is not known, so it is closed rather than kept. */
  private failed = false;

  constructor(
    client: SparkClient,
    name: string,
    private readonly pool: SparkClient[],
    private readonly poolSize: number,
  ) {
    super(client, name, operations);
  }

  protected placeError(error: unknown, where: string) {
    this.failed = true;
    return sparkError(error, where);
  }

  metadataTables() {
    return METADATA_TABLES;
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
    const recorded = this.recorded.get(`${load.pipeline}\u0000${load.table.name}`);
    // Changes read from a log are applied in log order, a version per change of a key (see changes.ts).
    const apply = load.batches.some((b) => b.changes) ? applyChangeBatches : applyBronze;
    return this.run(bronzeWhere(load), () => apply(this.client, load, hooks, recorded));
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
