import type { ClientBase } from "pg";
import { TransientError } from "../../errors.ts";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { phase } from "../../trace.ts";
import { timed } from "../timed.ts";
import { type BronzeResult, type StepHooks, schemaChangeOf } from "../types.ts";
import { ensureCaptureTriggers } from "./capture.ts";
import { afterSnapshot, applyChangeRounds } from "./changes.ts";
import { checkStagedFit } from "./fits.ts";
import { applyChanges, rowImage } from "./merge.ts";
import * as meta from "./metadata.ts";
import { analyzeKey, beginLocked, qualified, quoteIdent } from "./sql.ts";
import { copyIntoBronze, latestPerKey, stage, stageKeys } from "./stage.ts";
import type { StagedLoad } from "./staging/types.ts";
import {
  BATCH_ID,
  type BronzeShape,
  CHANGE_TYPE,
  COMMIT_TIMESTAMP,
  COMMIT_VERSION,
  changesName,
  ensureListPartitions,
  indexBronze,
  indexChangeFeed,
  LOADED_AT,
  prepareBronze,
  RESCUED,
} from "./tables.ts";

/**
 * One bronze commit, in one transaction: stage the batches' rows (COPY), keep the latest row per key (cursor,
 * then landing order), apply them to bronze in one MERGE (deletes, updates of the rows that differ, inserts)
 * with capture on, so that bronze's triggers write the change feed from the very rows the MERGE changed (see
 * capture.ts), and checkpoint the batches with the new version.
 *
 * A table the commit created takes a shorter way: every staged row that is not a delete is an insert, so the
 * rows go straight into bronze with no join, the change feed is copied from bronze, and the capture triggers
 * come after. When the producer vouches for unique keys, those rows are COPYed into bronze with no staging table
 * at all, and the deletes among them removed after.
 */

type Counts = { inserted: number; updated: number; deleted: number; unchanged: number };

/** Work memory of a commit: sorts and hashes over a whole staging table stay in memory (reset at COMMIT). */
const WORK_MEM = "256MB";

/** Whether the rows can be COPYed straight into the bronze table the commit created: see the module comment. */
function loadsDirectly(load: StagedLoad): boolean {
  return load.uniqueKeys && load.table.partitionBy?.kind !== "list";
}

/**
 * Fills the bronze table the commit created: straight from the producer, or from the staged rows (one per key).
 * Returns the rows inserted and the rows left out as deletes.
 */
async function fillEmpty(
  client: ClientBase,
  load: StagedLoad,
  shape: BronzeShape,
  source: { table: string; rows: number } | "direct",
  log: (m: string) => void,
): Promise<{ inserted: number; ignored: number }> {
  const { schema, table } = load;
  const bronze = qualified(schema, table.name);
  const image = rowImage(load, shape);
  if (source === "direct") {
    // A table created by this transaction takes frozen rows: nothing else can see it before COMMIT, and later
    // reads (the change feed's copy, the next commit's lookups) need not check or set each row's visibility.
    const copied = await copyIntoBronze(client, load, log);
    if (image.deleted === "FALSE") return { inserted: copied, ignored: 0 };
    // Deletes of rows bronze never held change nothing: they leave with the same predicate the staging path uses.
    const removed = await timed(log, "remove deletes", () =>
      client.query(`DELETE FROM ${bronze} d WHERE ${image.deleted}`),
    );
    const ignored = removed.rowCount ?? 0;
    return { inserted: copied - ignored, ignored };
  }
  if (table.partitionBy?.kind === "list") {
    await ensureListPartitions(client, schema, table.name, table.partitionBy.column, `${source.table} d`);
  }
  const cols = [...image.names, BATCH_ID, LOADED_AT].map(quoteIdent).join(", ");
  const inserted = await timed(log, "insert into empty bronze", () =>
    client.query(`INSERT INTO ${bronze} (${cols})
      SELECT ${image.exprs.join(", ")}, d.${quoteIdent(BATCH_ID)}, now() FROM ${source.table} d
       WHERE NOT ${image.deleted}`),
  );
  const n = inserted.rowCount ?? 0;
  return { inserted: n, ignored: source.rows - n };
}

/** Loads the bronze table the commit created and its change feed; returns the counts and the version (null: nothing new). */
async function initialLoad(
  client: ClientBase,
  load: StagedLoad,
  shape: BronzeShape,
  source: { table: string; rows: number } | "direct",
  log: (m: string) => void,
): Promise<{ counts: Counts; version: number | null }> {
  const { pipeline, schema, table } = load;
  const bronze = qualified(schema, table.name);
  const { inserted, ignored } = await fillEmpty(client, load, shape, source, log);
  const counts = { inserted, updated: 0, deleted: 0, unchanged: ignored };
  if (inserted === 0) return { counts, version: null };
  const version = (await meta.currentVersion(client, pipeline, table.name)) + 1;
  if (table.bronze.changeFeed) {
    const names = [...shape.columns.map((c) => c.name), ...(shape.hasRescue ? [RESCUED] : [])];
    const data = [...names, BATCH_ID, LOADED_AT].map(quoteIdent).join(", ");
    // The table is this commit's, so its rows are exactly the inserts.
    await timed(log, "change feed: inserts", () =>
      client.query(
        `INSERT INTO ${qualified(schema, changesName(table.name))}
           (${data}, ${quoteIdent(CHANGE_TYPE)}, ${quoteIdent(COMMIT_VERSION)}, ${quoteIdent(COMMIT_TIMESTAMP)})
         SELECT ${data}, 'insert', $1, now() FROM ${bronze}`,
        [version],
      ),
    );
  }
  // Statistics on the key, so that the next commit's join looks keys up instead of scanning the new rows.
  await timed(log, "analyze bronze key", () => analyzeKey(client, bronze, table.primaryKey));
  return { counts, version };
}

/** Applies the staged rows to a bronze table that existed before the commit. */
async function incremental(
  client: ClientBase,
  load: StagedLoad,
  shape: BronzeShape,
  source: { table: string; rows: number },
  log: (m: string) => void,
): Promise<{ counts: Counts; version: number | null }> {
  const { pipeline, schema, table } = load;
  const bronze = qualified(schema, table.name);
  const state = await client.query(
    `SELECT NOT EXISTS (SELECT 1 FROM ${bronze}) AS empty, ${meta.CURRENT_VERSION} AS v`,
    [pipeline, table.name],
  );
  const version = Number(state.rows[0].v) + 1;
  const { inserted, updated, deleted, unchanged } = await applyChanges(
    client,
    load,
    shape,
    source,
    version,
    log,
  );
  const counts = { inserted, updated, deleted, unchanged };
  if (inserted + updated + deleted === 0) return { counts, version: null };
  // A table that was empty has no useful statistics: the next commit's planner needs its size.
  if (state.rows[0].empty)
    await timed(log, "analyze bronze key", () => analyzeKey(client, bronze, table.primaryKey));
  return { counts, version };
}

/** Applies a group of batches to bronze; see the module comment. Throws after rolling back. */
export async function applyBronze(
  client: ClientBase,
  load: StagedLoad,
  hooks: StepHooks,
): Promise<BronzeResult> {
  const { pipeline, schema, table } = load;
  const { log } = hooks;
  const ids = load.batches.map((b) => b.batchId);
  try {
    const done = await phase("bronze: begin, lock, replay check", async () => {
      await beginLocked(client, `smelter:bronze:${pipeline}:${table.name}`, [
        `SET LOCAL work_mem = '${WORK_MEM}'`,
      ]);
      // A statement of its own, after the lock: its snapshot sees every commit the lock waited for.
      return client.query(
        "SELECT count(*)::int AS n FROM _smelter.bronze_batches WHERE pipeline = $1 AND table_name = $2 AND batch_id = ANY($3)",
        [pipeline, table.name, ids],
      );
    });
    const already = done.rows[0].n as number;
    if (already > 0) {
      await client.query("ROLLBACK");
      if (already === ids.length) {
        return {
          skipped: true,
          version: null,
          rowsRead: 0,
          inserted: 0,
          updated: 0,
          deleted: 0,
          unchanged: 0,
        };
      }
      throw new TransientError(
        `bronze table ${schema}.${table.name}: batches ${ids.join(", ")} were partly applied by another execution meanwhile; a retry applies the rest`,
      );
    }
    const shape = await phase("bronze: prepare table", () => prepareBronze(client, load));
    await stageKeys(client, load, log);
    let staged: number;
    let applied: { counts: Counts; version: number | null };
    // Changes read from a log are applied in log order, a version per change of a key (see changes.ts).
    const changeLoad = load.batches.some((b) => b.changes);
    // Snapshot rows of a cdc table.
    const snapshotRows = !changeLoad && load.columns.some((c) => c.name === CHANGE_COLUMNS.order);
    if (shape.created && !changeLoad && loadsDirectly(load)) {
      applied = await initialLoad(client, load, shape, "direct", log);
      staged = applied.counts.inserted + applied.counts.unchanged;
      hooks.fault("bronze:after-stage");
      if (snapshotRows) await afterSnapshot(client, load, null, log);
    } else if (changeLoad) {
      staged = await stage(client, load, log);
      await checkStagedFit(client, load, shape);
      hooks.fault("bronze:after-stage");
      applied = await applyChangeRounds(client, load, shape, staged, hooks);
    } else {
      staged = await phase("bronze: stage rows (COPY)", () => stage(client, load, log));
      await checkStagedFit(client, load, shape);
      hooks.fault("bronze:after-stage");
      const source = await phase("bronze: latest row per key", () => latestPerKey(client, load, staged, log));
      applied = await phase("bronze: merge and change feed", () =>
        (shape.created ? initialLoad : incremental)(client, load, shape, source, log),
      );
      if (snapshotRows) await afterSnapshot(client, load, shape.created ? null : source, log);
    }
    const { counts, version } = applied;
    if (shape.created) {
      if (table.clusterBy.length > 0)
        await timed(log, "index bronze", () => indexBronze(client, schema, table));
      await ensureCaptureTriggers(client, qualified(schema, table.name));
    }
    if (shape.feedCreated)
      await timed(log, "index change feed", () => indexChangeFeed(client, schema, table.name));
    const batches = load.batches.map((b) => ({ batchId: b.batchId, rows: b.rows }));
    await phase("bronze: checkpoint", () =>
      changeLoad
        ? meta.recordBatches(client, pipeline, table.name, version, batches)
        : meta.recordBronzeCommit(client, pipeline, table.name, version, counts, batches),
    );
    hooks.fault("bronze:after-merge");
    await phase("bronze: commit", () => timed(log, "commit", () => client.query("COMMIT")));
    return { skipped: false, version, rowsRead: staged, ...counts, ...schemaChangeOf(shape) };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
