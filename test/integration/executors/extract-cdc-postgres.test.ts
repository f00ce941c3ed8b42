import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { type CdcCase, changeRound, postgresTarget, random, snapshotWhileChanging } from "./cdc-helpers.ts";
import {
  context,
  landingZone,
  manifests,
  missingStack,
  pipelineSpec,
  postgresSource,
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
const URL_ENV = "TEST_PG_CDC_URL";
const ROWS = 2_000;
const ROUNDS = 3;
const OPS = 150;

describe("change capture from PostgreSQL by logical replication", { skip: skip ?? false }, () => {
  const { database, admin, src } = postgresSource("cdcsrc", URL_ENV);
  let spec: PipelineSpec;
  const table = "items";
  const warehouse = warehousePool(() => [spec]);

  before(async () => {
    await src().query("CREATE SCHEMA app");
    await src().query(`CREATE TABLE app.${table} (id int8 PRIMARY KEY, payload text, updated_at timestamptz NOT NULL,
      n numeric(38,10), by bytea, j jsonb, tags text[])`);
    await src().query(`ALTER TABLE app.${table} REPLICA IDENTITY FULL`);
    await src().query(`INSERT INTO app.${table}
      SELECT g, 'row ' || g, '2026-01-01'::timestamptz + g * interval '1 second', g * 1.5, '\\x00ff', '{"a": 1}',
             '{"x,y","z"}' FROM generate_series(1, ${ROWS}) g`);
  });

  /** Ids whose row differs between the source and a warehouse table. */
  const differences = async (qualified: string): Promise<number[]> => {
    const sql = (t: string) =>
      `SELECT id::int AS id, coalesce(payload, '∅') || '|' || extract(epoch FROM updated_at)::text AS v FROM ${t}`;
    const source = (await src().query(sql(`app.${table}`))).rows as { id: number; v: string }[];
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

  const source = postgresTarget(src, `app.${table}`);

  it("joins a snapshot to the slot and lands every change in commit order", async () => {
    const base = await pipelineSpec(
      uniqueName("p"),
      [tableSpec({ name: table, table: `app.${table}`, mode: "cdc", cursor: [], chunkSize: 700 })],
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    spec = withWarehouse(base, table);
    const c: CdcCase = { spec, table, warehouse, source, differences: both };
    const next = random(5);
    await snapshotWhileChanging(c, next, 100, (i) => `s-${i}`);
    for (let round = 1; round <= ROUNDS; round++) await changeRound(c, next, round, OPS);

    // The slot confirmed exactly the stored position: the server may recycle the WAL before it, not after.
    const { rows } = await admin().query(
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
    await src().query(
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

  it("names what a table or a user lacks for logical replication before reading anything", async () => {
    await src().query("CREATE TABLE app.plain (id int PRIMARY KEY, payload text)");
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

    // A user that may read the table but not replicate.
    const reader = uniqueName("reader");
    await admin().query(`CREATE ROLE ${reader} LOGIN PASSWORD 'reader' NOREPLICATION`);
    try {
      await src().query(`GRANT USAGE ON SCHEMA app TO ${reader}; GRANT SELECT ON app.${table} TO ${reader}`);
      const url = new URL(process.env[URL_ENV] as string);
      [url.username, url.password] = [reader, "reader"];
      process.env.TEST_PG_CDC_READER_URL = url.href;
      const asReader = await pipelineSpec(
        spec.name,
        [tableSpec({ name: table, table: `app.${table}`, mode: "cdc", cursor: [] })],
        { source: "postgres", urlEnv: "TEST_PG_CDC_READER_URL", landing: "local" },
      );
      await assert.rejects(
        extract({ pipeline: asReader.name, step: "extract", table }, context(asReader)),
        (error: Error & { type?: string; retryable?: boolean }) => {
          assert.equal(error.type, "ConfigError");
          assert.equal(error.retryable, false);
          assert.match(
            error.message,
            new RegExp(`user ${reader} may not replicate: ALTER ROLE ${reader} REPLICATION`),
          );
          assert.doesNotMatch(error.message, /REPLICA IDENTITY/, "the table is set up");
          return true;
        },
      );
    } finally {
      delete process.env.TEST_PG_CDC_READER_URL;
      await src().query(`REVOKE ALL ON app.${table} FROM ${reader}; REVOKE ALL ON SCHEMA app FROM ${reader}`);
      await admin().query(`DROP ROLE ${reader}`);
    }
  });

  it("refuses to go on after its slot was dropped, writes nothing, and a re-sync recovers", async () => {
    await admin().query(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1",
      [database],
    );
    await src().query(`UPDATE app.${table} SET payload = 'after the slot' WHERE id <= 5`);
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
    await src().query(`DELETE FROM app.${table} WHERE id <= 3`);
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    assert.deepEqual(await both(), { bronze: [], silver: [] });
  });

  it("stops at a TRUNCATE with a DataError asking for a re-sync, writes nothing, and a re-sync recovers", async () => {
    const ctx = context(spec);
    const stored = await ctx.watermarks.read(spec.name, table);
    const landed = await manifests(spec, table);
    const objects = async () => {
      const keys: string[] = [];
      for await (const f of landingZone(spec).list(`${spec.name}/${table}/`)) keys.push(f.key);
      return keys;
    };
    const files = await objects();
    const slotAt = async () =>
      (
        await admin().query(
          "SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE database = $1",
          [database],
        )
      ).rows.map((r) => r.lsn);
    const confirmed = await slotAt();
    // Changes before and after the TRUNCATE, in the same drain: none of them may land.
    await src().query(`UPDATE app.${table} SET payload = 'before the truncate' WHERE id <= 10`);
    await src().query(`TRUNCATE app.${table}`);
    await src().query(
      `INSERT INTO app.${table} (id, payload, updated_at) SELECT g, 'after ' || g, now() FROM generate_series(1, 30) g`,
    );
    await assert.rejects(
      extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
      (error: Error & { type?: string; retryable?: boolean }) => {
        assert.equal(error.type, "DataError");
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`table app\\.${table}: the table was truncated`));
        assert.match(error.message, /Re-sync the table \(smelter resync <spec> --table <name>\)/);
        assert.match(error.message, /nothing was written/);
        return true;
      },
    );
    assert.deepEqual(await manifests(spec, table), landed, "no manifest");
    assert.deepEqual(await objects(), files, "no landing object");
    assert.deepEqual(await ctx.watermarks.read(spec.name, table), stored, "the position did not move");
    assert.deepEqual(await slotAt(), confirmed, "the slot confirmed nothing more");
    // Every run stops there until the table is re-synced.
    await assert.rejects(
      extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
      /truncated/,
    );

    await extract({ pipeline: spec.name, step: "extract", table, mode: { kind: "resync" } }, context(spec));
    await src().query(`UPDATE app.${table} SET payload = 'after the re-sync' WHERE id <= 5`);
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    assert.deepEqual(await both(), { bronze: [], silver: [] });
    const { rows } = await warehouse.query(
      `SELECT count(*)::int AS n FROM "${spec.bronzeSchema}"."${table}"`,
    );
    assert.equal(rows[0]?.n, 30, "bronze holds only the rows inserted after the TRUNCATE");
  });
});
