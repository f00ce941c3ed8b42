import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { context, manifests, missingStack, pipelineSpec, tableSpec, uniqueName } from "./extract-helpers.ts";
import { bronzeAndSilver, flatModel, warehousePool, withWarehouse } from "./pipeline-helpers.ts";
import { type PostgresServer, startPostgres } from "./postgres-servers.ts";

/*
 * A replication slot that lost its WAL (`max_slot_wal_keep_size`), on a PostgreSQL server of the test's own: the
 * drain refuses with LogPurged and lands nothing, and a re-sync makes the slot anew and recovers.
 */

const skip = missingStack("SMELTER_WAREHOUSE_URL");
const URL_ENV = "TEST_PG_LOST_URL";
const TABLE = "items";

describe("change capture from PostgreSQL when the slot lost its WAL", { skip: skip ?? false }, () => {
  let server: PostgresServer;
  let src: pg.Client;
  let spec: PipelineSpec;
  const warehouse = warehousePool(() => [spec]);

  before(async () => {
    server = await startPostgres(["max_slot_wal_keep_size=1MB", "max_wal_size=64MB", "min_wal_size=32MB"]);
    src = await server.connect();
    await src.query(
      `CREATE TABLE ${TABLE} (id int8 PRIMARY KEY, payload text, updated_at timestamptz NOT NULL)`,
    );
    await src.query(`ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`);
    await src.query(`INSERT INTO ${TABLE}
      SELECT g, 'row ' || g, '2026-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, 500) g`);
    await src.query("CREATE TABLE filler (id int8, pad text)");
    process.env[URL_ENV] = server.url;
    const base = await pipelineSpec(
      uniqueName("lost"),
      [tableSpec({ name: TABLE, table: `public.${TABLE}`, mode: "cdc", cursor: [], chunkSize: 200 })],
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    spec = withWarehouse(base, TABLE);
  });

  after(async () => {
    await src?.end().catch(() => undefined);
    await server?.stop();
    delete process.env[URL_ENV];
  });

  /** Ids whose row differs between the source and bronze or silver. */
  const differences = async () => {
    const sql = (t: string) =>
      `SELECT id::int AS id, payload || '|' || extract(epoch FROM updated_at)::text AS v FROM ${t}`;
    const source = new Map((await src.query(sql(TABLE))).rows.map((r) => [r.id, r.v]));
    const out: number[] = [];
    for (const t of [`"${spec.bronzeSchema}"."${TABLE}"`, `"${spec.silverSchema}"."${flatModel(TABLE)}"`]) {
      const there = new Map((await warehouse.query(sql(t))).rows.map((r) => [r.id, r.v]));
      for (const [id, v] of source) if (there.get(id) !== v) out.push(id);
      for (const id of there.keys()) if (!source.has(id)) out.push(id);
    }
    return out;
  };
  const change = async (tag: string) => {
    await src.query(`UPDATE ${TABLE} SET payload = $1, updated_at = now() WHERE id % 7 = 0`, [tag]);
    await src.query(`DELETE FROM ${TABLE} WHERE id % 50 = 1`);
    await src.query(
      `INSERT INTO ${TABLE} SELECT g, $1, now() FROM generate_series(1000, 1010) g ON CONFLICT (id) DO NOTHING`,
      [tag],
    );
  };
  const walStatus = async () =>
    (await src.query<{ s: string }>("SELECT wal_status AS s FROM pg_replication_slots")).rows.map((r) => r.s);

  it("refuses a slot that lost its WAL with LogPurged, lands nothing, and recovers by a re-sync", async () => {
    await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
    await bronzeAndSilver(spec, TABLE);
    await change("a");
    await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
    await bronzeAndSilver(spec, TABLE);
    assert.deepEqual(await differences(), []);

    // Changes the slot holds, then more WAL than max_slot_wal_keep_size lets it keep, then checkpoints.
    await change("b");
    for (let i = 0; i < 20 && !(await walStatus()).includes("lost"); i++) {
      await src.query("INSERT INTO filler SELECT g, repeat('x', 2000) FROM generate_series(1, 20000) g");
      await src.query("TRUNCATE filler");
      await src.query("SELECT pg_switch_wal()");
      await src.query("CHECKPOINT");
    }
    assert.deepEqual(await walStatus(), ["lost"], "the slot lost the WAL it held");

    const landed = (await manifests(spec, TABLE)).length;
    await assert.rejects(
      extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec)),
      (error: Error & { type?: string; retryable?: boolean }) => {
        assert.equal(error.type, "LogPurged");
        assert.equal(error.retryable, false);
        assert.match(error.message, /replication slot smelter_\w+ lost the WAL it held/);
        assert.match(error.message, /Re-sync the table/);
        return true;
      },
    );
    assert.equal((await manifests(spec, TABLE)).length, landed, "nothing landed");

    await extract(
      { pipeline: spec.name, step: "extract", table: TABLE, mode: { kind: "resync" } },
      context(spec),
    );
    await bronzeAndSilver(spec, TABLE);
    assert.deepEqual(await walStatus(), ["reserved"], "the re-sync made the slot anew");
    assert.deepEqual(await differences(), []);
    await change("c");
    await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
    await bronzeAndSilver(spec, TABLE);
    assert.deepEqual(await differences(), []);
  });
});
