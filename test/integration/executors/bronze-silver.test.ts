import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ConfigError, DataError } from "../../../src/errors.ts";
import { bronze } from "../../../src/executors/bronze.ts";
import { silver } from "../../../src/executors/silver.ts";
import { Fixture, POSTS, tableSpec } from "../warehouse/fixture.ts";
import { actualSilver, SourceModel } from "../warehouse/source-model.ts";

const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
});

async function fixture(...args: Parameters<typeof Fixture.create>): Promise<Fixture> {
  const fx = await Fixture.create(...args);
  fixtures.push(fx);
  return fx;
}

describe("bronze and silver executors", () => {
  for (const mode of ["soft", "reconcile"] as const) {
    test(`silver equals the source row by row after randomized rounds (${mode} deletes)`, async () => {
      const deletes =
        mode === "soft"
          ? ({ mode: "soft", column: "deleted", value: true } as const)
          : ({ mode: "reconcile", everyRuns: 1 } as const);
      const fx = await fixture(tableSpec({ deletes }));
      const source = new SourceModel(mode === "soft" ? 7 : 11);
      const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
      for (let round = 0; round < 8; round++) {
        const batches = round % 3 === 1 ? 2 : 1;
        for (let b = 0; b < batches; b++) {
          const rows = source.round({
            inserts: round === 0 ? 300 : 20,
            updates: 30,
            deletes: 10,
            redeliver: 15,
            softDelete: mode === "soft",
          });
          await fx.land(rows, mode === "reconcile" ? { keys: source.keys() } : {});
        }
        const b = await bronze(request, fx.ctx());
        assert.equal(b.batches, batches);
        if (round % 2 === 1 || round === 7) {
          await silver({ ...request, step: "silver", table: "posts_flat" }, fx.ctx());
          assert.deepEqual(await actualSilver(fx), source.expectedSilver(), `round ${round}`);
        }
      }
      const bronzeCount = await fx.query(`SELECT count(*)::int AS n FROM "${fx.spec.bronzeSchema}".posts`);
      assert.equal(bronzeCount[0]?.n, source.rows.size);
    });
  }

  test("an identical re-delivered batch writes no change rows and no new version", async () => {
    const fx = await fixture();
    const source = new SourceModel(3);
    const rows = source.round({ inserts: 50, updates: 0, deletes: 0, redeliver: 0, softDelete: false });
    await fx.land(rows);
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    const first = await bronze(request, fx.ctx());
    assert.deepEqual([first.inserted, first.versionTo], [50, 1]);
    await fx.land(rows);
    const second = await bronze(request, fx.ctx());
    assert.deepEqual([second.batches, second.inserted, second.updated, second.unchanged], [1, 0, 0, 50]);
    assert.equal(second.versionTo, null);
    const changes = await fx.query(
      `SELECT _commit_version AS v, count(*)::int AS n FROM "${fx.spec.bronzeSchema}".posts__changes GROUP BY 1`,
    );
    assert.deepEqual(changes, [{ v: "1", n: 50 }]);
    const again = await bronze(request, fx.ctx());
    assert.equal(again.batches, 0, "checkpointed batches are not applied twice");
  });

  test("duplicate keys in one batch reduce to the latest cursor, then the latest landing order", async () => {
    const fx = await fixture();
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}", deleted: false };
    await fx.land([
      { id: 1, ...base, title: "newest", updated_at: "2024-01-01 00:00:03" },
      { id: 1, ...base, title: "older", updated_at: "2024-01-01 00:00:01" },
      { id: 2, ...base, title: "first of a tie", updated_at: "2024-01-01 00:00:05" },
      { id: 2, ...base, title: "last of a tie", updated_at: "2024-01-01 00:00:05" },
    ]);
    const m = await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
    assert.deepEqual([m.rowsRead, m.inserted], [4, 2]);
    const rows = await fx.query(`SELECT id::int, title FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`);
    assert.deepEqual(rows, [
      { id: 1, title: "newest" },
      { id: 2, title: "last of a tie" },
    ]);
  });
  test("without a change feed bronze still counts its inserts, updates, deletes and unchanged rows", async () => {
    const fx = await fixture(
      tableSpec({
        deletes: { mode: "soft", column: "deleted", value: true },
        bronze: { schemaEvolution: "add_columns", changeFeed: false },
      }),
    );
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}", deleted: false };
    const at = (s: number) => `2024-01-01 00:00:0${s}`;
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    await fx.land([1, 2, 3].map((id) => ({ id, ...base, title: `t${id}`, updated_at: at(1) })));
    await bronze(request, fx.ctx());
    await fx.land([
      { id: 1, ...base, title: "changed", updated_at: at(2) },
      { id: 2, ...base, title: "t2", updated_at: at(2), deleted: true },
      { id: 3, ...base, title: "t3", updated_at: at(1) },
      { id: 4, ...base, title: "t4", updated_at: at(2) },
    ]);
    const m = await bronze(request, fx.ctx());
    assert.deepEqual([m.inserted, m.updated, m.deleted, m.unchanged, m.versionTo], [1, 1, 1, 1, 2]);
    const rows = await fx.query(`SELECT id::int, title FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`);
    assert.deepEqual(rows, [
      { id: 1, title: "changed" },
      { id: 3, title: "t3" },
      { id: 4, title: "t4" },
    ]);
    const feed = await fx.query("SELECT to_regclass($1) AS t", [`"${fx.spec.bronzeSchema}".posts__changes`]);
    assert.deepEqual(feed, [{ t: null }]);
  });

  test("writes to bronze outside a smelter commit leave the change feed alone", async () => {
    const fx = await fixture();
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}", deleted: false };
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    await fx.land([1, 2].map((id) => ({ id, ...base, title: `t${id}`, updated_at: "2024-01-01 00:00:01" })));
    await bronze(request, fx.ctx());
    await fx.land([{ id: 1, ...base, title: "changed", updated_at: "2024-01-01 00:00:02" }]);
    await bronze(request, fx.ctx());
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
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}", deleted: false };
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    await fx.land([{ id: 1, ...base, title: "t1", updated_at: "2024-01-01 00:00:01" }]);
    await bronze(request, fx.ctx());
    const posts = `"${fx.spec.bronzeSchema}".posts`;
    await fx.query(`ALTER TABLE ${posts} DISABLE TRIGGER _smelter_capture_update`);
    await fx.land([{ id: 1, ...base, title: "changed", updated_at: "2024-01-01 00:00:02" }]);
    await assert.rejects(
      () => bronze(request, fx.ctx()),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message.includes(`"${fx.spec.bronzeSchema}"."posts"`) &&
        /recorded 0 of the 1 rows/.test(e.message),
    );
    assert.deepEqual(await fx.query(`SELECT title FROM ${posts}`), [{ title: "t1" }]);
    await fx.query(`ALTER TABLE ${posts} ENABLE TRIGGER _smelter_capture_update`);
    const m = await bronze(request, fx.ctx());
    assert.deepEqual([m.updated, m.versionTo], [1, 2]);
  });

  test("an initial load leaves out soft-deleted rows and rows missing from the key set, and logs its phases", async () => {
    const fx = await fixture(tableSpec({ deletes: { mode: "reconcile", everyRuns: 1 } }));
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}", updated_at: "2024-01-01 00:00:01" };
    const rows = [1, 2, 3].map((id) => ({ id, ...base, title: `t${id}`, deleted: false }));
    await fx.land(rows, { keys: [1, 3] });
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    const m = await bronze(request, fx.ctx());
    assert.deepEqual([m.rowsRead, m.inserted, m.unchanged, m.versionTo], [3, 2, 1, 1]);
    const ids = await fx.query(`SELECT id::int FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`);
    assert.deepEqual(ids, [{ id: 1 }, { id: 3 }]);
    assert.ok(
      fx.logs.some((l) => /load rows into empty bronze \(COPY\) \d+ ms/.test(l)),
      fx.logs.join("\n"),
    );

    const soft = await fixture(tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } }));
    await soft.land([
      { id: 1, ...base, title: "kept", deleted: false },
      { id: 2, ...base, title: "gone", deleted: true },
    ]);
    const s = await bronze({ ...request, pipeline: soft.spec.name }, soft.ctx());
    assert.deepEqual([s.inserted, s.unchanged], [1, 1]);
    const changes = await soft.query(
      `SELECT id::int, _change_type FROM "${soft.spec.bronzeSchema}".posts__changes ORDER BY id`,
    );
    assert.deepEqual(changes, [{ id: 1, _change_type: "insert" }]);
  });

  test("initial loads record each row's batch and load time, and leave bronze without column defaults", async () => {
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}", updated_at: "2024-01-01 00:00:01" };
    const request = { step: "bronze" as const, table: "posts" };
    for (const batches of [1, 2]) {
      const fx = await fixture();
      const landed = [];
      for (let b = 0; b < batches; b++) {
        landed.push(await fx.land([{ id: b + 1, ...base, title: `t${b}`, deleted: false }]));
      }
      await bronze({ ...request, pipeline: fx.spec.name }, fx.ctx());
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

  test("text with tabs, newlines, quotes and control bytes, empty strings and NULLs reach bronze unchanged", async () => {
    const titles = [
      "tab\there",
      "line\nbreak\r\n",
      '"quoted", comma',
      "\u0001x\u0001",
      "",
      null,
      "back\\slash \\N",
    ];
    const base = { account_type_id: 1, amount: "1.0000", payload: '{"q":"\\"\\t"}', deleted: false };
    const fx = await fixture();
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    const rows = (at: string) => titles.map((title, i) => ({ id: i + 1, ...base, title, updated_at: at }));
    await fx.land(rows("2024-01-01 00:00:01"));
    await bronze(request, fx.ctx());
    await fx.land(rows("2024-01-01 00:00:02").map((r) => ({ ...r, id: r.id + titles.length })));
    await bronze(request, fx.ctx());
    const got = await fx.query(
      `SELECT id::int, title, payload::text FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`,
    );
    const expected = [...titles, ...titles].map((title, i) => ({
      id: i + 1,
      title,
      payload: '{"q": "\\"\\t"}',
    }));
    assert.deepEqual(got, expected);
  });

  test("a bronze table emptied by deletes is loaded again as an initial load, with a new version", async () => {
    const fx = await fixture(tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } }));
    const base = { account_type_id: 1, amount: "1.0000", payload: "{}" };
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    await fx.land([{ id: 1, ...base, title: "a", updated_at: "2024-01-01 00:00:01", deleted: false }]);
    await bronze(request, fx.ctx());
    await fx.land([{ id: 1, ...base, title: "a", updated_at: "2024-01-01 00:00:02", deleted: true }]);
    const deleted = await bronze(request, fx.ctx());
    assert.deepEqual([deleted.deleted, deleted.versionTo], [1, 2]);
    await fx.land([{ id: 1, ...base, title: "back", updated_at: "2024-01-01 00:00:03", deleted: false }]);
    const back = await bronze(request, fx.ctx());
    assert.deepEqual([back.inserted, back.versionTo], [1, 3]);
    await silver({ ...request, step: "silver", table: "posts_flat" }, fx.ctx());
    const rows = await fx.query(`SELECT id::int, title FROM "${fx.spec.silverSchema}".posts_flat`);
    assert.deepEqual(rows, [{ id: 1, title: "back" }]);
  });
  test("a value the warehouse cannot parse fails the commit with a DataError and applies nothing", async () => {
    const fx = await fixture();
    const columns = POSTS.map((c) => (c.name === "account_type_id" ? { ...c, duck: "VARCHAR" } : c));
    const base = { amount: "1.0000", payload: "{}", updated_at: "2024-01-01 00:00:01", deleted: false };
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      id: i + 1,
      ...base,
      title: "t",
      account_type_id: i === 4000 ? "not a number" : String(i % 5),
    }));
    await fx.land(rows, { columns });
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    await assert.rejects(
      bronze(request, fx.ctx()),
      (e: Error) => e instanceof DataError && /not a number/.test(e.message),
    );
    const applied = await fx.query(
      "SELECT count(*)::int AS n FROM _smelter.bronze_batches WHERE pipeline = $1",
      [fx.spec.name],
    );
    assert.equal(applied[0]?.n, 0);
  });
});
