import { createHash } from "node:crypto";
import { DataError } from "../../errors.ts";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { timed } from "../timed.ts";
import { type BronzeLoad, type BronzeResult, type StepHooks, schemaChangeOf } from "../types.ts";
import {
  alreadyApplied,
  appId,
  bronzeCommits,
  bronzeHistory,
  landingRoot,
  ROW,
  recordUnrecorded,
  rowImage,
  SEQ,
  SKIPPED,
  STAGE,
  softDelete,
  stagingQuery,
} from "./bronze.ts";
import { higher, highestApplied, recordChangeOrder } from "./change-orders.ts";
import type { SparkClient } from "./client.ts";
import { checkStagedFit } from "./fits.ts";
import * as meta from "./metadata.ts";
import { integer, joinOn, literal, qualified, quoteIdent } from "./sql.ts";
import { BATCH_ID, type BronzeShape, LOADED_AT, prepareBronze, takesRow } from "./tables.ts";

/**
 * Bronze commits of changes read from a source's log (`mode: cdc` batches) on Delta: every change of a key is
 * applied in log order, each as its own version, so that the change data feed holds every version a key went
 * through, as on PostgreSQL (see ../postgres/changes.ts).
 *
 * 1. Changes at or below the highest position applied since the table's last snapshot are dropped
 *    (change-orders.ts: changes landed again, deletes included); the same change landed twice (same key and
 *    position) is kept once.
 * 2. The rest are numbered per key in log order; round n applies the n-th change of every key in one MERGE (a
 *    change whose operation is `delete` deletes, others update or insert), except where the key's bronze row is
 *    at or above the change's position (a snapshot chunk read it).
 *
 * Delta's change data feed gives one version per commit and a MERGE may touch a row once, so each round is its own
 * Delta commit, an idempotent write of the table's writer with its own sequence number, recorded like any bronze
 * commit; the last round carries the batch ids (the checkpoint) and the highest applied position. Every round's
 * note names the group (a hash of its batch ids), the round and the number of rounds. A try that died after some
 * rounds leaves them committed: the retry finds the newest of them in history, numbers the same landed changes the
 * same way (the ranking reads nothing else) and commits the rounds after it. Between the two, silver may merge the
 * rounds already committed: each key is then at one of the versions it went through, and the retry brings it to
 * the last.
 */

const RANKED = "_smelter_ranked";
const ROUND = "_smelter_round";
const DELETED = "_smelter_deleted";

/** Where an earlier try of the same group stopped: its last committed round, of how many. */
interface Interrupted {
  round: number;
  rounds: number;
}

/** A hash of the group's batch ids, naming its rounds in their notes. */
function groupOf(load: BronzeLoad): string {
  const ids = load.batches.map((b) => b.batchId).join(",");
  return createHash("sha256").update(ids).digest("hex").slice(0, 16);
}

/**
 * The staged changes above the highest applied position, one per key and position, numbered per key in log order
 * (`_smelter_round`). It reads the landed files alone, so the rounds are the same on every try, and a MERGE into
 * bronze does not invalidate it once cached.
 */
function rankedQuery(load: BronzeLoad, applied: string | null): string {
  const keys = load.table.primaryKey.map(quoteIdent).join(", ");
  const order = quoteIdent(CHANGE_COLUMNS.order);
  const after = applied === null ? "" : ` WHERE s.${order} > CAST(${literal(applied)} AS DECIMAL(38,0))`;
  return `SELECT *, row_number() OVER (PARTITION BY ${keys} ORDER BY ${order}) AS ${ROUND} FROM (
    SELECT * FROM (
      SELECT s.*, row_number() OVER (PARTITION BY ${keys}, ${order} ORDER BY ${SEQ} DESC, ${ROW} DESC) AS _smelter_dup
        FROM ${STAGE} s${after}
    ) WHERE _smelter_dup = 1)`;
}

/**
 * The MERGE of round `n`: the n-th change of every key (deletes by their operation or soft-delete value), except
 * where the key's bronze row is at or above the change's position (a snapshot chunk read it). A key's positions
 * grow from round to round, so this skips exactly the changes bronze reflected before the first round.
 */
function roundSql(load: BronzeLoad, shape: BronzeShape, n: number): string {
  const { names, image } = rowImage(load, shape);
  const data = [...names, BATCH_ID];
  const op = quoteIdent(CHANGE_COLUMNS.op);
  const order = quoteIdent(CHANGE_COLUMNS.order);
  const newer = `coalesce(b.${order} < x.${order}, true)`;
  const source = `SELECT ${image.map((e, i) => `${e} AS ${quoteIdent(names[i] as string)}`).join(", ")},
      d.${BATCH_ID}, (d.${op} = 'delete' OR ${softDelete(load)}) AS ${DELETED}
    FROM ${RANKED} d WHERE d.${ROUND} = ${integer(n)}`;
  const set = [
    ...data.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`),
    `${LOADED_AT} = current_timestamp()`,
  ];
  return `MERGE INTO ${qualified(load.schema, load.table.name)} b USING (${source}) x
    ON ${joinOn("b", "x", load.table.primaryKey)}
    WHEN MATCHED AND ${newer} AND x.${DELETED} THEN DELETE
    WHEN MATCHED AND ${newer} AND ${takesRow(names)} THEN UPDATE SET ${set.join(", ")}
    WHEN NOT MATCHED AND NOT x.${DELETED} THEN
      INSERT (${[...data, LOADED_AT].map(quoteIdent).join(", ")}) VALUES (${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, current_timestamp())`;
}

/** Applies a group of change batches to bronze; see the module comment. */
export async function applyChangeBatches(
  client: SparkClient,
  load: BronzeLoad,
  hooks: StepHooks,
  found?: meta.HistoryPage,
): Promise<BronzeResult> {
  const { pipeline, schema, table } = load;
  const { log } = hooks;
  const name = qualified(schema, table.name);
  const what = `bronze table ${schema}.${table.name}`;
  const page = found ?? (await bronzeHistory(client, schema, table.name));
  const ledger = await timed(log, "read commits", () =>
    bronzeCommits(client, pipeline, schema, table.name, page),
  );
  const { commits } = ledger;
  if (alreadyApplied(load, commits)) {
    await recordUnrecorded(client, pipeline, table.name, ledger, log);
    return SKIPPED;
  }
  const shape = await timed(log, "prepare bronze", () => prepareBronze(client, load));
  const group = groupOf(load);
  const { interrupted, applied } = await timed(log, "read history", async () => {
    const history = page.commits;
    const newest = history[0]?.note;
    const interrupted: Interrupted | null =
      newest && newest.group === group && !newest.batches
        ? { round: Number(newest.round), rounds: Number(newest.rounds) }
        : null;
    return { interrupted, applied: await highestApplied(client, pipeline, table.name, page) };
  });
  const order = quoteIdent(CHANGE_COLUMNS.order);
  try {
    await client.query(
      `CREATE OR REPLACE TEMPORARY VIEW ${STAGE} AS ${stagingQuery(load, landingRoot(client, load))}`,
    );
    await checkStagedFit(client, load, shape, STAGE);
    await client.query(`CREATE OR REPLACE TEMPORARY VIEW ${RANKED} AS ${rankedQuery(load, applied)}`);
    await timed(log, "order changes per key", () => client.query(`CACHE TABLE ${RANKED}`));
    const { sizes, staged } = await timed(log, "count changes", async () => ({
      sizes: await client.query(
        `SELECT ${ROUND} AS n, count(*) AS rows FROM ${RANKED} GROUP BY ${ROUND} ORDER BY ${ROUND}`,
      ),
      staged: (
        await client.query(`SELECT count(*) AS n, CAST(max(${order}) AS STRING) AS highest FROM ${STAGE}`)
      )[0],
    }));
    const rowsRead = Number(staged?.n ?? 0);
    const rounds = sizes.length;
    const kept = sizes.reduce((n, r) => n + Number(r.rows), 0);
    // A group with nothing to apply still commits once: that commit is its checkpoint.
    const last = Math.max(rounds, 1);
    if (interrupted && interrupted.rounds !== last) {
      throw new DataError(
        `${what}: an earlier try of batches ${load.batches.map((b) => b.batchId).join(", ")} committed ${interrupted.round} of ${interrupted.rounds} rounds, but their changes now make ${last}: the landed files changed since (retrying will not help; re-sync the table)`,
      );
    }
    hooks.fault("bronze:after-stage");
    const highest = higher(applied, staged?.highest ?? null);
    const counts = { inserted: 0, updated: 0, deleted: 0, unchanged: rowsRead - kept };
    let version = Math.max(0, ...commits.map((c) => c.version ?? 0));
    let changed: number | null = null;
    let seq = commits.at(-1)?.seq ?? 0;
    let unrecorded = ledger.unrecorded;
    for (let n = (interrupted?.round ?? 0) + 1; n <= last; n++) {
      seq += 1;
      const final = n === last;
      const note = meta.formatNote("bronze", {
        seq,
        version: version + 1,
        read: Number(sizes[n - 1]?.rows ?? 0),
        from: unrecorded[0]?.seq ?? seq,
        group,
        round: n,
        rounds: last,
        ...(final
          ? {
              batches: load.batches.map((b) => b.batchId).join(","),
              rows: load.batches.map((b) => b.rows).join(","),
              ...(highest === null ? {} : { order: highest }),
            }
          : {}),
      });
      const written = await timed(log, `round ${n}/${last}: merge into bronze`, () =>
        meta.asCommit(client, appId(pipeline, table.name), seq, note, () =>
          client.query(roundSql(load, shape, n)),
        ),
      );
      if (written.length === 0) throw meta.concurrentCommit(what);
      const mine = (await meta.history(client, name, "bronze", 1)).find(
        (h) => Number(h.note.seq) === seq && h.note.group === group,
      );
      if (!mine) throw meta.concurrentCommit(what);
      const r = meta.bronzeRecord(mine);
      hooks.fault(final ? "bronze:after-merge" : "bronze:after-round");
      await timed(log, `round ${n}/${last}: record commit`, () =>
        meta.recordBronze(client, pipeline, table.name, [...unrecorded, r], log),
      );
      unrecorded = [];
      counts.inserted += r.inserted;
      counts.updated += r.updated;
      counts.deleted += r.deleted;
      counts.unchanged += r.unchanged;
      if (r.version !== null) {
        version = r.version;
        changed = r.version;
      }
      if (final && highest !== null) await recordChangeOrder(client, pipeline, table.name, seq, highest, log);
    }
    log(`${rounds} round(s) of changes${changed === null ? ", nothing new" : `, up to version ${changed}`}`);
    return { skipped: false, version: changed, rowsRead, ...counts, ...schemaChangeOf(shape) };
  } finally {
    await client.run(`UNCACHE TABLE IF EXISTS ${RANKED}`).catch(() => undefined);
  }
}
