import { createHash } from "node:crypto";
import { DataError } from "../../errors.ts";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { type BronzeLoad, type BronzeResult, type StepHooks, schemaChangeOf } from "../types.ts";
import {
  alreadyApplied,
  appId,
  bronzeCommits,
  landingRoot,
  ROW,
  rowImage,
  SEQ,
  SKIPPED,
  STAGE,
  softDelete,
  stagingQuery,
} from "./bronze.ts";
import { higher, highestApplied, recordChangeOrder } from "./change-orders.ts";
import type { SparkClient } from "./client.ts";
import * as meta from "./metadata.ts";
import { integer, joinOn, literal, qualified, quoteIdent, timed } from "./sql.ts";
import { BATCH_ID, type BronzeShape, LOADED_AT, prepareBronze, takesRow } from "./tables.ts";

/**
 * Bronze commits of changes read from a source's log (`mode: cdc` batches) on Delta: every change of a key is
 * applied in log order, each as its own version, so that the change data feed holds every version a key went
 * through, as on PostgreSQL (see ../postgres/changes.ts).
 *
 * 1. Changes bronze already reflects are dropped: those at or below the highest position applied since the
 *    table's last snapshot (change-orders.ts: changes landed again, deletes included), and those at or below the
 *    position of the key's bronze row (a snapshot chunk read them).
 * 2. The same change landed twice (same key and position) is kept once.
 * 3. The rest are numbered per key in log order; round n applies the n-th change of every key in one MERGE (a
 *    change whose operation is `delete` deletes, others update or insert).
 *
 * Delta's change data feed gives one version per commit and a MERGE may touch a row once, so each round is its own
 * Delta commit, an idempotent write of the table's writer with its own sequence number, recorded like any bronze
 * commit; the last round carries the batch ids (the checkpoint) and the highest applied position. Every round's
 * note names the group (a hash of its batch ids), the round and the Delta version bronze had before the first
 * round. A try that died after some rounds leaves them committed: the retry finds the newest of them in history,
 * ranks the same changes against bronze as of that version (so the rounds come out the same) and commits the
 * rounds after it. Between the two, silver may merge the rounds already committed: each key is then at one of
 * the versions it went through, and the retry brings it to the last.
 */

const RANKED = "_smelter_ranked";
const ROUND = "_smelter_round";
const DELETED = "_smelter_deleted";

/** Where an earlier try of the same group stopped: its last committed round, of how many, ranked at which version. */
interface Interrupted {
  round: number;
  rounds: number;
  base: number;
}

/** A hash of the group's batch ids, naming its rounds in their notes. */
function groupOf(load: BronzeLoad): string {
  const ids = load.batches.map((b) => b.batchId).join(",");
  return createHash("sha256").update(ids).digest("hex").slice(0, 16);
}

/**
 * The staged changes bronze does not reflect yet (see the module comment), one per key and position, numbered per
 * key in log order (`_smelter_round`). `bronze` is the table (or a version of it) whose rows' positions are
 * compared; null when it holds no positions.
 */
function rankedQuery(load: BronzeLoad, bronze: string | null, applied: string | null): string {
  const key = load.table.primaryKey;
  const keys = key.map(quoteIdent).join(", ");
  const order = quoteIdent(CHANGE_COLUMNS.order);
  const holds = bronze
    ? ` LEFT ANTI JOIN (SELECT ${keys}, ${order} FROM ${bronze}) b
        ON ${joinOn("b", "s", key)} AND b.${order} >= s.${order}`
    : "";
  const after = applied === null ? "" : ` WHERE s.${order} > CAST(${literal(applied)} AS DECIMAL(38,0))`;
  return `SELECT *, row_number() OVER (PARTITION BY ${keys} ORDER BY ${order}) AS ${ROUND} FROM (
    SELECT * FROM (
      SELECT s.*, row_number() OVER (PARTITION BY ${keys}, ${order} ORDER BY ${SEQ} DESC, ${ROW} DESC) AS _smelter_dup
        FROM ${STAGE} s${holds}${after}
    ) WHERE _smelter_dup = 1)`;
}

/** The MERGE of round `n`: the n-th change of every key (deletes by their operation or soft-delete value). */
function roundSql(load: BronzeLoad, shape: BronzeShape, n: number): string {
  const { names, image } = rowImage(load, shape);
  const data = [...names, BATCH_ID];
  const op = quoteIdent(CHANGE_COLUMNS.op);
  const source = `SELECT ${image.map((e, i) => `${e} AS ${quoteIdent(names[i] as string)}`).join(", ")},
      d.${BATCH_ID}, (d.${op} = 'delete' OR ${softDelete(load)}) AS ${DELETED}
    FROM ${RANKED} d WHERE d.${ROUND} = ${integer(n)}`;
  const set = [
    ...data.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`),
    `${LOADED_AT} = current_timestamp()`,
  ];
  return `MERGE INTO ${qualified(load.schema, load.table.name)} b USING (${source}) x
    ON ${joinOn("b", "x", load.table.primaryKey)}
    WHEN MATCHED AND x.${DELETED} THEN DELETE
    WHEN MATCHED AND ${takesRow(names)} THEN UPDATE SET ${set.join(", ")}
    WHEN NOT MATCHED AND NOT x.${DELETED} THEN
      INSERT (${[...data, LOADED_AT].map(quoteIdent).join(", ")}) VALUES (${data.map((c) => `x.${quoteIdent(c)}`).join(", ")}, current_timestamp())`;
}

/** The newest Delta version of a table and its newest smelter bronze commits (newest first). */
async function recent(
  client: SparkClient,
  table: string,
): Promise<{ head: number; commits: meta.HistoryCommit[] }> {
  const commits = await meta.history(client, table, "bronze", 20);
  // DDL of this commit (a table created, columns added) comes after the newest smelter commit.
  const [newest] = await client.query(`DESCRIBE HISTORY ${table} LIMIT 1`);
  return { head: Number(newest?.version ?? 0), commits };
}

/** Applies a group of change batches to bronze; see the module comment. */
export async function applyChangeBatches(
  client: SparkClient,
  load: BronzeLoad,
  hooks: StepHooks,
  recorded?: meta.BronzeCommit[],
): Promise<BronzeResult> {
  const { pipeline, schema, table } = load;
  const { log } = hooks;
  const name = qualified(schema, table.name);
  const what = `bronze table ${schema}.${table.name}`;
  const commits = await bronzeCommits(client, pipeline, schema, table.name, true, recorded);
  if (recorded) recorded.splice(0, recorded.length, ...commits);
  if (alreadyApplied(load, commits)) return SKIPPED;
  const shape = await timed(log, "prepare bronze", () => prepareBronze(client, load));
  const group = groupOf(load);
  const { head, commits: history } = await recent(client, name);
  const newest = history[0]?.note;
  const interrupted: Interrupted | null =
    newest && newest.group === group && !newest.batches
      ? { round: Number(newest.round), rounds: Number(newest.rounds), base: Number(newest.base) }
      : null;
  const base = interrupted?.base ?? head;
  const applied = await highestApplied(client, pipeline, table.name, history);
  const holdsPositions = !shape.created && shape.columns.some((c) => c.name === CHANGE_COLUMNS.order);
  const order = quoteIdent(CHANGE_COLUMNS.order);
  try {
    await client.query(
      `CREATE OR REPLACE TEMPORARY VIEW ${STAGE} AS ${stagingQuery(load, landingRoot(client, load))}`,
    );
    const compared = holdsPositions ? `${name} VERSION AS OF ${integer(base)}` : null;
    await client.query(
      `CREATE OR REPLACE TEMPORARY VIEW ${RANKED} AS ${rankedQuery(load, compared, applied)}`,
    );
    await timed(log, "order changes per key", () => client.query(`CACHE TABLE ${RANKED}`));
    const sizes = await client.query(
      `SELECT ${ROUND} AS n, count(*) AS rows FROM ${RANKED} GROUP BY ${ROUND} ORDER BY ${ROUND}`,
    );
    const [staged] = await client.query(
      `SELECT count(*) AS n, CAST(max(${order}) AS STRING) AS highest FROM ${STAGE}`,
    );
    const rowsRead = Number(staged?.n ?? 0);
    const rounds = sizes.length;
    const kept = sizes.reduce((n, r) => n + Number(r.rows), 0);
    if (interrupted && interrupted.rounds !== Math.max(rounds, 1)) {
      throw new DataError(
        `${what}: an earlier try of batches ${load.batches.map((b) => b.batchId).join(", ")} committed ${interrupted.round} of ${interrupted.rounds} rounds, but the changes now make ${rounds}; the landed files changed since (retrying will not help: re-sync the table)`,
      );
    }
    hooks.fault("bronze:after-stage");
    const highest = higher(applied, staged?.highest ?? null);
    const counts = { inserted: 0, updated: 0, deleted: 0, unchanged: rowsRead - kept };
    let version = Math.max(0, ...commits.map((c) => c.version ?? 0));
    let changed: number | null = null;
    let seq = commits.at(-1)?.seq ?? 0;
    // A group with nothing to apply still commits once: that commit is its checkpoint.
    const last = Math.max(rounds, 1);
    for (let n = (interrupted?.round ?? 0) + 1; n <= last; n++) {
      seq += 1;
      const final = n === last;
      const note = meta.formatNote("bronze", {
        seq,
        version: version + 1,
        read: Number(sizes[n - 1]?.rows ?? 0),
        group,
        round: n,
        rounds: last,
        base,
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
      await meta.recordBronze(client, pipeline, table.name, r, log);
      recorded?.push(r);
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
