import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ConfigError } from "../../../../src/errors.ts";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { Fixture, type Row, tableSpec } from "../fixture.ts";

/**
 * What only the PostgreSQL warehouse has: capture triggers writing the change feed, COPY straight into a new
 * table, bookkeeping in `_smelter`, declarative partitions and the cluster index. The behaviour every warehouse
 * shares is in ../suite/.
 */

const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
});

async function fixture(...args: Parameters<typeof Fixture.create>): Promise<Fixture> {
  const fx = await Fixture.create(...args);
  fixtures.push(fx);
  return fx;
}

const BASE = { account_type_id: 1, amount: "1.0000", payload: "{}", deleted: false };
const request = (pipeline: string) => ({ pipeline, step: "bronze" as const, table: "posts" });
const row = (id: number, extra: Row = {}): Row => ({
  id,
  ...BASE,
  title: `t${id}`,
  amount: "1.5000",
  updated_at: `2024-01-01 00:00:0${id}`,
  ...extra,
});

describe("PostgreSQL bronze internals", () => {
  test("writes to bronze outside a smelter commit leave the change feed alone", async () => {
    const fx = await fixture();
    await fx.land([1, 2].map((id) => ({ id, ...BASE, title: `t${id}`, updated_at: "2024-01-01 00:00:01" })));
    await bronze(request(fx.spec.name), fx.ctx());
    await fx.land([{ id: 1, ...BASE, title: "changed", updated_at: "2024-01-01 00:00:02" }]);
    await bronze(request(fx.spec.name), fx.ctx());
    const posts = `"${fx.spec.bronzeSchema}".posts`;
    await fx.query(`UPDATE ${posts} SET title = 'by hand' WHERE id = 2`);
    await fx.query(`DELETE FROM ${posts} WHERE id = 1`);
    const changes = await fx.query(
      `SELECT _commit_version::int AS v, _change_type AS t, count(*)::int AS n FROM ${posts}__changes
        GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    assert.deepEqual(changes, [
      { v: 1, t: "insert", n: 2 },
      { v: 2, t: "update_postimage", n: 1 },
      { v: 2, t: "update_preimage", n: 1 },
    ]);
  });

  test("a commit whose capture triggers are disabled fails with a ConfigError and applies nothing", async () => {
    const fx = await fixture();
    await fx.land([{ id: 1, ...BASE, title: "t1", updated_at: "2024-01-01 00:00:01" }]);
    await bronze(request(fx.spec.name), fx.ctx());
    const posts = `"${fx.spec.bronzeSchema}".posts`;
    await fx.query(`ALTER TABLE ${posts} DISABLE TRIGGER _smelter_capture_update`);
    await fx.land([{ id: 1, ...BASE, title: "changed", updated_at: "2024-01-01 00:00:02" }]);
    await assert.rejects(
      () => bronze(request(fx.spec.name), fx.ctx()),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message.includes(`"${fx.spec.bronzeSchema}"."posts"`) &&
        /recorded 0 of the 1 rows/.test(e.message),
    );
    assert.deepEqual(await fx.query(`SELECT title FROM ${posts}`), [{ title: "t1" }]);
    await fx.query(`ALTER TABLE ${posts} ENABLE TRIGGER _smelter_capture_update`);
    const m = await bronze(request(fx.spec.name), fx.ctx());
    assert.deepEqual([m.updated, m.versionTo], [1, 2]);
  });

  test("an initial load COPYs straight into the new table and logs its phases", async () => {
    const fx = await fixture(tableSpec({ deletes: { mode: "reconcile", everyRuns: 1 } }));
    const base = { ...BASE, updated_at: "2024-01-01 00:00:01" };
    await fx.land(
      [1, 2, 3].map((id) => ({ id, ...base, title: `t${id}` })),
      { keys: [1, 3] },
    );
    await bronze(request(fx.spec.name), fx.ctx());
    assert.ok(
      fx.logs.some((l) => /load rows into empty bronze \(COPY\) \d+ ms/.test(l)),
      fx.logs.join("\n"),
    );
  });

  test("initial loads record each row's batch and load time, and leave bronze without column defaults", async () => {
    const base = { ...BASE, updated_at: "2024-01-01 00:00:01" };
    for (const batches of [1, 2]) {
      const fx = await fixture();
      const landed = [];
      for (let b = 0; b < batches; b++) {
        landed.push(await fx.land([{ id: b + 1, ...base, title: `t${b}` }]));
      }
      await bronze(request(fx.spec.name), fx.ctx());
      const schema = fx.spec.bronzeSchema;
      const stamps = `SELECT id::int, _smelter_batch_id AS batch,
          _smelter_loaded_at = (SELECT committed_at FROM _smelter.bronze_batches
                                 WHERE pipeline = $1 AND batch_id = _smelter_batch_id) AS at_commit`;
      const expected = landed.map((m, i) => ({ id: i + 1, batch: m.batchId, at_commit: true }));
      for (const from of ["posts", "posts__changes"]) {
        const rows = await fx.query(`${stamps} FROM "${schema}"."${from}" ORDER BY id`, [fx.spec.name]);
        assert.deepEqual(rows, expected, `${from} after ${batches} batch(es)`);
      }
      const defaults = await fx.query(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = 'posts' AND column_default IS NOT NULL`,
        [schema],
      );
      assert.deepEqual(defaults, []);
    }
  });

  test("without a change feed no change feed table is created", async () => {
    const fx = await fixture(tableSpec({ bronze: { schemaEvolution: "add_columns", changeFeed: false } }));
    await fx.land([row(1)]);
    await bronze(request(fx.spec.name), fx.ctx());
    const feed = await fx.query("SELECT to_regclass($1) AS t", [`"${fx.spec.bronzeSchema}".posts__changes`]);
    assert.deepEqual(feed, [{ t: null }]);
  });

  test("bronze is partitioned and indexed as the spec asks", async () => {
    const fx = await fixture(
      tableSpec({ partitionBy: { column: "account_type_id", kind: "list" }, clusterBy: ["account_type_id"] }),
    );
    await fx.land([row(1), row(2, { account_type_id: 2 }), row(3, { account_type_id: 2 })]);
    await bronze(request(fx.spec.name), fx.ctx());
    await fx.land([row(1, { account_type_id: 3, updated_at: "2024-01-02 00:00:00" })]);
    await bronze(request(fx.spec.name), fx.ctx());
    const parts = await fx.query(
      "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)",
      [`"${fx.spec.bronzeSchema}".posts`],
    );
    assert.deepEqual(parts, [{ n: 3 }]);
    const index = await fx.query(
      "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
      [fx.spec.bronzeSchema, "posts__cluster"],
    );
    assert.equal(index.length, 1);
  });
});
