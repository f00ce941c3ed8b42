import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  context,
  migrateState,
  missingStack,
  pipelineSpec,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";
import { bronzeAndSilver, flatModel, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * Change capture from PostgreSQL by logical replication (pgoutput and a replication slot per table), into the
 * stack's PostgreSQL warehouse: a snapshot with changes made while it is read, rounds of random inserts, updates
 * and deletes, a dropped slot, and the slot's confirmed position following the stored one.
 */

const skip = missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL");
const database = uniqueName("cdcsrc");
const URL_ENV = "TEST_PG_CDC_URL";
const ROWS = 2_000;
const KEYS = 2_400;
const HOT = 15;
const ROUNDS = 3;
const OPS = 150;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("change capture from PostgreSQL by logical replication", { skip: skip ?? false }, () => {
  let admin: pg.Client;
  let src: pg.Client;
  let spec: PipelineSpec;
  const table = "items";
  const warehouse = warehousePool(() => [spec]);

  before(async () => {
    await migrateState();
    admin = new pg.Client({ connectionString: process.env.SMELTER_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(process.env.SMELTER_PG_URL as string);
    url.pathname = `/${database}`;
    process.env[URL_ENV] = url.href;
    src = new pg.Client({ connectionString: url.href });
    await src.connect();
    await src.query("CREATE SCHEMA app");
    await src.query(`CREATE TABLE app.${table} (id int8 PRIMARY KEY, payload text, updated_at timestamptz NOT NULL,
      n numeric(38,10), by bytea, j jsonb, tags text[])`);
    await src.query(`ALTER TABLE app.${table} REPLICA IDENTITY FULL`);
    await src.query(`INSERT INTO app.${table}
      SELECT g, 'row ' || g, '2026-01-01'::timestamptz + g * interval '1 second', g * 1.5, '\\x00ff', '{"a": 1}',
             '{"x,y","z"}' FROM generate_series(1, ${ROWS}) g`);
  });

  after(async () => {
    await src?.end();
    await admin?.query(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active",
      [database],
    );
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  /** Ids whose row differs between the source and a warehouse table. */
  const differences = async (qualified: string): Promise<number[]> => {
    const sql = (t: string) =>
      `SELECT id::int AS id, coalesce(payload, '∅') || '|' || extract(epoch FROM updated_at)::text AS v FROM ${t}`;
    const source = (await src.query(sql(`app.${table}`))).rows as { id: number; v: string }[];
    const target = new Map(
      ((await warehouse.query(sql(qualified))).rows as { id: number; v: string }[]).map((r) => [r.id, r.v]),
    );
    const diff: number[] = [];
    for (const r of source) {
      if (target.get(r.id) !== r.v) diff.push(r.id);
      target.delete(r.id);
    }
    return [...diff, ...target.keys()].sort((a, b) => a - b);
  };
  const both = async () => ({
    bronze: await differences(`"${spec.bronzeSchema}"."${table}"`),
    silver: await differences(`"${spec.silverSchema}"."${flatModel(table)}"`),
  });

  const change = async (next: () => number, tag: string, expected: Map<number, string[]>) => {
    const id = 1 + Math.floor(next() * (next() < 0.5 ? HOT : KEYS));
    const pick = next();
    const list = expected.get(id) ?? [];
    if (pick < 0.35) {
      const r = await src.query(
        `INSERT INTO app.${table} (id, payload, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, updated_at = now()`,
        [id, tag],
      );
      if ((r.rowCount ?? 0) > 0) list.push(tag);
    } else if (pick < 0.75) {
      const r = await src.query(`UPDATE app.${table} SET payload = $1, updated_at = now() WHERE id = $2`, [
        tag,
        id,
      ]);
      if ((r.rowCount ?? 0) > 0) list.push(tag);
    } else {
      const r = await src.query(`DELETE FROM app.${table} WHERE id = $1`, [id]);
      if ((r.rowCount ?? 0) > 0) list.push("delete");
    }
    if (list.length > 0) expected.set(id, list);
  };

  const feed = async (version: number): Promise<Map<number, string[]>> => {
    const { rows } = await warehouse.query<{ id: string; c: string; p: string | null }>(
      `SELECT id, _change_type AS c, payload AS p FROM "${spec.bronzeSchema}"."${table}__changes"
        WHERE _commit_version > $1 AND _change_type <> 'update_preimage' ORDER BY id, _commit_version`,
      [version],
    );
    const out = new Map<number, string[]>();
    for (const r of rows) {
      const list = out.get(Number(r.id)) ?? [];
      list.push(r.c === "delete" ? "delete" : String(r.p));
      out.set(Number(r.id), list);
    }
    return out;
  };
  const newest = async () =>
    (
      await warehouse.query<{ v: number }>(
        `SELECT coalesce(max(_commit_version), 0)::int AS v FROM "${spec.bronzeSchema}"."${table}__changes"`,
      )
    ).rows[0]?.v ?? 0;

  it("joins a snapshot to the slot and lands every change in commit order", async () => {
    const base = await pipelineSpec(
      uniqueName("p"),
      [tableSpec({ name: table, table: `app.${table}`, mode: "cdc", cursor: [], chunkSize: 700 })],
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    spec = withWarehouse(base, table);
    const next = random(5);
    const ctx = context(spec);
    let during: Promise<void> = Promise.resolve();
    const info = ctx.log.info;
    ctx.log.info = (m: string) => {
      info(m);
      if (m.includes("chunk 1/"))
        during = (async () => {
          for (let i = 0; i < 100; i++) await change(next, `s-${i}`, new Map());
        })();
    };
    const first = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
    await during;
    assert.equal(first.chunks, 3, ctx.lines.join("\n"));
    await bronzeAndSilver(spec, table);
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    assert.deepEqual(await both(), { bronze: [], silver: [] });

    for (let round = 1; round <= ROUNDS; round++) {
      const version = await newest();
      const expected = new Map<number, string[]>();
      for (let i = 0; i < OPS; i++) await change(next, `r${round}-${i}`, expected);
      const started = performance.now();
      const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
      const ms = Math.round(performance.now() - started);
      await bronzeAndSilver(spec, table);
      const count = [...expected.values()].reduce((n, l) => n + l.length, 0);
      console.error(`round ${round}: ${count} changes drained in ${ms} ms`);
      assert.equal(metrics.rowsLanded, count, `round ${round}: one landed row per change`);
      assert.deepEqual(await both(), { bronze: [], silver: [] }, `round ${round}`);
      assert.deepEqual(
        [...(await feed(version)).entries()].sort((a, b) => a[0] - b[0]),
        [...expected.entries()].sort((a, b) => a[0] - b[0]),
        `round ${round}: the change feed holds every version of every key, in order`,
      );
    }

    // The slot confirmed exactly the stored position: the server may recycle the WAL before it, not after.
    const { rows } = await admin.query(
      "SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE database = $1",
      [database],
    );
    const stored = await context(spec).watermarks.read(spec.name, table);
    assert.deepEqual(
      rows.map((r) => r.lsn),
      stored?.watermark,
    );
  });

  it("lands numeric, bytea, jsonb, arrays and timestamps from the log as the snapshot landed them", async () => {
    await src.query(
      `INSERT INTO app.${table} SELECT id + 1000000, payload, updated_at, n, by, j, tags FROM app.${table} WHERE id BETWEEN 1000 AND 1019`,
    );
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    const { rows } = await warehouse.query(
      `SELECT a.id, to_jsonb(a) - '_smelter_batch_id' - '_smelter_loaded_at' - '_smelter_op' - '_smelter_position'
                - '_smelter_committed_at' - 'id' AS copy,
              to_jsonb(b) - '_smelter_batch_id' - '_smelter_loaded_at' - '_smelter_op' - '_smelter_position'
                - '_smelter_committed_at' - 'id' AS original
         FROM "${spec.bronzeSchema}"."${table}" a JOIN "${spec.bronzeSchema}"."${table}" b ON b.id = a.id - 1000000
        ORDER BY a.id`,
    );
    assert.ok(rows.length > 10);
    assert.ok(rows.every((r) => r.copy.n !== null && r.copy.by !== null && r.copy.tags !== null));
    for (const r of rows) assert.deepEqual(r.copy, r.original, `row ${r.id}`);
    assert.deepEqual(await both(), { bronze: [], silver: [] });
  });

  it("names what a table lacks for logical replication before reading anything", async () => {
    await src.query("CREATE TABLE app.plain (id int PRIMARY KEY, payload text)");
    const plain = await pipelineSpec(
      spec.name,
      [tableSpec({ name: "plain", table: "app.plain", mode: "cdc", cursor: [] })],
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    await assert.rejects(
      extract({ pipeline: plain.name, step: "extract", table: "plain" }, context(plain)),
      (error: Error & { type?: string }) => {
        assert.equal(error.type, "ConfigError");
        assert.match(error.message, /ALTER TABLE app\.plain REPLICA IDENTITY FULL/);
        return true;
      },
    );
  });

  it("refuses to go on after its slot was dropped, writes nothing, and a re-sync recovers", async () => {
    await admin.query(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1",
      [database],
    );
    await src.query(`UPDATE app.${table} SET payload = 'after the slot' WHERE id <= 5`);
    const landed = (await context(spec).watermarks.read(spec.name, table))?.batchId;
    await assert.rejects(
      extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
      (error: Error & { type?: string; retryable?: boolean }) => {
        assert.equal(error.type, "LogPurged");
        assert.equal(error.retryable, false);
        assert.match(error.message, /replication slot smelter_\w+ does not exist/);
        assert.match(error.message, /Re-sync the table/);
        return true;
      },
    );
    assert.equal((await context(spec).watermarks.read(spec.name, table))?.batchId, landed, "nothing landed");
    await extract({ pipeline: spec.name, step: "extract", table, mode: { kind: "resync" } }, context(spec));
    await src.query(`DELETE FROM app.${table} WHERE id <= 3`);
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    assert.deepEqual(await both(), { bronze: [], silver: [] });
  });
});
