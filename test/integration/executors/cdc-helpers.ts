import assert from "node:assert/strict";
import type mysql from "mysql2/promise";
import type pg from "pg";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { context } from "./extract-helpers.ts";
import { bronzeAndSilver } from "./pipeline-helpers.ts";

/*
 * A cdc table (id, payload, updated_at) carried through to silver while random inserts, updates and deletes are
 * made at its source: a snapshot with changes made between its chunks, then rounds of changes, each drained by an
 * extract, applied by bronze and merged by silver, and the change feed compared with the changes made, key by key.
 * What differs between sources is only how a change is made (`ChangeTarget`) and how rows are compared.
 */

/** Keys the random changes pick from: beyond the seeded rows, so that some inserts are new rows. */
const KEYS = 2_400;
/** Keys that take half the changes, so that a key changes several times within one drain. */
const HOT = 15;

/** A seeded generator, so that a failing round can be replayed. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What the change feed must hold per key: each new payload, or `delete`, in commit order. */
export type ExpectedFeed = Map<number, string[]>;

/** One statement per change at the source, each answering how many rows it changed. */
export interface ChangeTarget {
  /** Inserts the row, or sets its payload when the key exists. */
  upsert(id: number, payload: string): Promise<number>;
  update(id: number, payload: string): Promise<number>;
  remove(id: number): Promise<number>;
}

/** Changes to a MariaDB table (id, payload, updated_at) through the connection `db()` gives at each change. */
export function mariadbTarget(db: () => mysql.Connection, table: string): ChangeTarget {
  const affected = async (change: Promise<[unknown, unknown]>) =>
    ((await change)[0] as { affectedRows: number }).affectedRows;
  return {
    upsert: (id, payload) =>
      affected(
        db().query(
          `INSERT INTO ${table} VALUES (?, ?, NOW(6)) ON DUPLICATE KEY UPDATE payload = VALUES(payload)`,
          [id, payload],
        ),
      ),
    update: (id, payload) =>
      affected(
        db().query(`UPDATE ${table} SET payload = ?, updated_at = NOW(6) WHERE id = ?`, [payload, id]),
      ),
    remove: (id) => affected(db().query(`DELETE FROM ${table} WHERE id = ?`, [id])),
  };
}

/** Changes to a PostgreSQL table (id, payload, updated_at) through the client `db()` gives at each change. */
export function postgresTarget(db: () => pg.Client, table: string): ChangeTarget {
  const affected = async (change: Promise<pg.QueryResult>) => (await change).rowCount ?? 0;
  return {
    upsert: (id, payload) =>
      affected(
        db().query(
          `INSERT INTO ${table} (id, payload, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, updated_at = now()`,
          [id, payload],
        ),
      ),
    update: (id, payload) =>
      affected(
        db().query(`UPDATE ${table} SET payload = $1, updated_at = now() WHERE id = $2`, [payload, id]),
      ),
    remove: (id) => affected(db().query(`DELETE FROM ${table} WHERE id = $1`, [id])),
  };
}

/** A cdc pipeline of one table under test: its source, its warehouse and how their rows are compared. */
export interface CdcCase {
  spec: PipelineSpec;
  table: string;
  warehouse: pg.Pool;
  source: ChangeTarget;
  /** Ids whose row differs between the source and bronze, and the source and silver. */
  differences(): Promise<{ bronze: number[]; silver: number[] }>;
}

/**
 * One random change to `target` with `payload`, recorded in `expected` when it changed a row (its affected rows
 * say so), so that the order of changes is known.
 */
export async function randomChange(
  target: ChangeTarget,
  next: () => number,
  payload: string,
  expected: ExpectedFeed,
): Promise<void> {
  const id = 1 + Math.floor(next() * (next() < 0.5 ? HOT : KEYS));
  const pick = next();
  const list = expected.get(id) ?? [];
  if (pick < 0.35) {
    if ((await target.upsert(id, payload)) > 0) list.push(payload);
  } else if (pick < 0.75) {
    if ((await target.update(id, payload)) > 0) list.push(payload);
  } else if ((await target.remove(id)) > 0) {
    list.push("delete");
  }
  if (list.length > 0) expected.set(id, list);
}

/** What the change feed holds for each key after `version`, in commit order: each new payload, or `delete`. */
export async function feedByKey(
  warehouse: pg.Pool,
  spec: PipelineSpec,
  table: string,
  version: number,
): Promise<ExpectedFeed> {
  const { rows } = await warehouse.query<{ id: number | string; c: string; p: string | null }>(
    `SELECT id, _change_type AS c, payload AS p FROM "${spec.bronzeSchema}"."${table}__changes"
      WHERE _commit_version > $1 AND _change_type <> 'update_preimage' ORDER BY id, _commit_version`,
    [version],
  );
  const out: ExpectedFeed = new Map();
  for (const r of rows) {
    const list = out.get(Number(r.id)) ?? [];
    list.push(r.c === "delete" ? "delete" : String(r.p));
    out.set(Number(r.id), list);
  }
  return out;
}

/** The newest commit version of a bronze table's change feed (0 when empty). */
export async function newestVersion(warehouse: pg.Pool, spec: PipelineSpec, table: string): Promise<number> {
  const { rows } = await warehouse.query<{ v: number }>(
    `SELECT coalesce(max(_commit_version), 0)::int AS v FROM "${spec.bronzeSchema}"."${table}__changes"`,
  );
  return rows[0]?.v ?? 0;
}

/**
 * The first run of the table (the log's head, then a snapshot in 3 chunks), with `changes` random changes made
 * from its first chunk on, tagged `tag(i)`; then a second run that drains them. Bronze and silver after each run;
 * asserts that both match the source.
 */
export async function snapshotWhileChanging(
  c: CdcCase,
  next: () => number,
  changes: number,
  tag: (i: number) => string,
): Promise<void> {
  const { spec, table } = c;
  const ctx = context(spec);
  let during: Promise<void> = Promise.resolve();
  const info = ctx.log.info;
  ctx.log.info = (m: string) => {
    info(m);
    if (m.includes("chunk 1/"))
      during = (async () => {
        for (let i = 0; i < changes; i++) await randomChange(c.source, next, tag(i), new Map());
      })();
  };
  const first = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
  await during;
  assert.equal(first.chunks, 3, ctx.lines.join("\n"));
  await bronzeAndSilver(spec, table);
  // Changes made during the snapshot and after it are drained by the next run.
  await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
  await bronzeAndSilver(spec, table);
  assert.deepEqual(await c.differences(), { bronze: [], silver: [] });
}

/**
 * Round `round`: `ops` random changes (tagged `r<round>-<i>`), one extract that drains them, bronze and silver.
 * Asserts one landed row per change, bronze and silver equal to the source, and a change feed holding every
 * version of every key in order. Returns the changes made, by key.
 */
export async function changeRound(
  c: CdcCase,
  next: () => number,
  round: number,
  ops: number,
): Promise<ExpectedFeed> {
  const { spec, table, warehouse } = c;
  const version = await newestVersion(warehouse, spec, table);
  const expected: ExpectedFeed = new Map();
  for (let i = 0; i < ops; i++) await randomChange(c.source, next, `r${round}-${i}`, expected);
  const started = performance.now();
  const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
  const drainMs = Math.round(performance.now() - started);
  await bronzeAndSilver(spec, table);
  const changes = [...expected.values()].reduce((n, l) => n + l.length, 0);
  console.error(`round ${round}: ${changes} changes drained in ${drainMs} ms`);
  assert.equal(metrics.rowsLanded, changes, `round ${round}: one landed row per change`);
  assert.deepEqual(await c.differences(), { bronze: [], silver: [] }, `round ${round}`);
  const feed = await feedByKey(warehouse, spec, table, version);
  assert.deepEqual(
    [...feed.entries()].sort((a, b) => a[0] - b[0]),
    [...expected.entries()].sort((a, b) => a[0] - b[0]),
    `round ${round}: the change feed holds every version of every key, in order`,
  );
  return expected;
}
