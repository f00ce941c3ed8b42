import type { ClientBase } from "pg";
import { CHANGE_COLUMNS } from "../../landing/types.ts";
import { timed } from "../timed.ts";
import type { StepHooks } from "../types.ts";
import { applyChanges } from "./merge.ts";
import * as meta from "./metadata.ts";
import { joinOn, qualified, quoteIdent } from "./sql.ts";
import { STAGE } from "./stage.ts";
import type { StagedLoad } from "./staging/types.ts";
import { STAGING_META } from "./staging/types.ts";
import type { BronzeShape } from "./tables.ts";

/**
 * Bronze commits of changes read from a source's log (`mode: cdc` batches): every change of a key is applied in
 * log order, each as its own version, so that the change feed holds every version a key went through, not only
 * the last one of the drain.
 *
 * 1. Changes bronze already reflects are dropped: those at or below the highest order applied since the table's
 *    last snapshot (`_smelter.change_orders`: changes landed again, deletes included), and those at or below the
 *    order of the key's bronze row (a snapshot chunk read them).
 * 2. The same change landed twice (same key and order) is kept once.
 * 3. The rest are numbered per key in log order; round n applies the n-th change of every key, in one MERGE
 *    (deletes included) under its own version. Keys are independent, so applying round by round leaves each key
 *    as applying its changes one by one would.
 */

const RANKED = "_smelter_ranked";
const ROUND = "_smelter_round";

type Counts = { inserted: number; updated: number; deleted: number; unchanged: number };

/**
 * Applies the staged changes (in `STAGE`, `staged` rows) round by round, recording each version that changed
 * something; returns the counts and the last version (null when nothing changed). `bronze:after-round` is the
 * fault point between two rounds.
 */
export async function applyChangeRounds(
  client: ClientBase,
  load: StagedLoad,
  shape: BronzeShape,
  staged: number,
  hooks: StepHooks,
): Promise<{ counts: Counts; version: number | null }> {
  const { log } = hooks;
  const { pipeline, schema, table } = load;
  const bronze = qualified(schema, table.name);
  const key = table.primaryKey.map(quoteIdent).join(", ");
  const order = quoteIdent(CHANGE_COLUMNS.order);
  const highest = (await client.query(`SELECT max(${order})::text AS o FROM ${STAGE}`)).rows[0]?.o as
    | string
    | null;
  const applied = await meta.changeOrder(client, pipeline, table.name);
  if (applied !== null) {
    await timed(log, "drop changes applied before", () =>
      client.query(`DELETE FROM ${STAGE} WHERE ${order} <= $1::numeric`, [applied]),
    );
  }
  if (!shape.created && shape.columns.some((c) => c.name === CHANGE_COLUMNS.order)) {
    await timed(log, "drop changes bronze already holds", () =>
      client.query(`DELETE FROM ${STAGE} s USING ${bronze} b
        WHERE ${joinOn("b", "s", table.primaryKey)} AND b.${order} >= s.${order}`),
    );
  }
  const ranked = await timed(log, "order changes per key", () =>
    client.query(`CREATE TEMP TABLE ${RANKED} ON COMMIT DROP AS
      SELECT d.*, row_number() OVER (PARTITION BY ${key} ORDER BY d.${order}) AS ${quoteIdent(ROUND)}
        FROM (SELECT DISTINCT ON (${key}, ${order}) * FROM ${STAGE}
               ORDER BY ${key}, ${order}, ${quoteIdent(STAGING_META[1])} DESC, ${quoteIdent(STAGING_META[2])} DESC) d`),
  );
  const rounds = Number(
    (await client.query(`SELECT coalesce(max(${quoteIdent(ROUND)}), 0)::int AS n FROM ${RANKED}`)).rows[0].n,
  );
  const counts: Counts = { inserted: 0, updated: 0, deleted: 0, unchanged: staged - (ranked.rowCount ?? 0) };
  let version = await meta.currentVersion(client, pipeline, table.name);
  let changed = false;
  for (let n = 1; n <= rounds; n++) {
    await client.query(`DROP TABLE IF EXISTS ${ROUND}`);
    const round = await client.query(
      `CREATE TEMP TABLE ${ROUND} ON COMMIT DROP AS SELECT * FROM ${RANKED} WHERE ${quoteIdent(ROUND)} = ${n}`,
    );
    const rows = round.rowCount ?? 0;
    const applied = await applyChanges(client, load, shape, { table: ROUND, rows }, version + 1, (m) =>
      log(`round ${n}/${rounds}: ${m}`),
    );
    if (n < rounds) hooks.fault("bronze:after-round");
    counts.inserted += applied.inserted;
    counts.updated += applied.updated;
    counts.deleted += applied.deleted;
    counts.unchanged += applied.unchanged;
    if (applied.inserted + applied.updated + applied.deleted === 0) continue;
    version += 1;
    changed = true;
    await meta.recordVersion(client, pipeline, table.name, version, applied, load.batches.length);
  }
  if (highest !== null) await meta.recordChangeOrder(client, pipeline, table.name, highest);
  log(`${rounds} round(s) of changes${changed ? `, up to version ${version}` : ", nothing new"}`);
  return { counts, version: changed ? version : null };
}

/**
 * After snapshot rows of a cdc table were applied: the table's highest applied change order is forgotten, and when
 * they were merged (`source`, staged) into rows bronze held, rows whose order is above their snapshot row's take the snapshot's
 * (without a change-feed row: their data did not change). Within one log, snapshot rows are newer than anything
 * bronze holds and nothing changes; when the log started over (a rebuilt server, a new primary), the orders it
 * gives are lower, and changes after the snapshot would otherwise be taken for changes already applied.
 */
export async function afterSnapshot(
  client: ClientBase,
  load: StagedLoad,
  source: { table: string } | null,
  log: (m: string) => void,
): Promise<void> {
  const { pipeline, schema, table } = load;
  await meta.recordChangeOrder(client, pipeline, table.name, null);
  if (source === null) return;
  const order = quoteIdent(CHANGE_COLUMNS.order);
  await timed(log, "log orders of the snapshot", () =>
    client.query(`UPDATE ${qualified(schema, table.name)} b SET ${order} = x.${order} FROM ${source.table} x
      WHERE ${joinOn("b", "x", table.primaryKey)} AND b.${order} > x.${order}`),
  );
}
