import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DataError } from "../../../src/errors.ts";
import { bronze } from "../../../src/executors/bronze.ts";
import { silver } from "../../../src/executors/silver.ts";
import { pruneChangeFeed, rebuildSilver } from "../../../src/warehouse/maintenance.ts";
import { Fixture, type Row, silverModel, tableSpec } from "./fixture.ts";

const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
});

const row = (id: number, title: string, second: number, extra: Row = {}): Row => ({
  id,
  account_type_id: 1,
  title,
  amount: "2.0000",
  payload: JSON.stringify({ kind: title }),
  updated_at: `2024-01-01 00:00:${String(second).padStart(2, "0")}`,
  deleted: false,
  ...extra,
});

async function setup(model = silverModel()) {
  const fx = await Fixture.create(tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } }), [
    model,
  ]);
  fixtures.push(fx);
  const step = async () => {
    await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
    return silver({ pipeline: fx.spec.name, step: "silver", table: model.name }, fx.ctx());
  };
  return { fx, step };
}

test("SCD2 keeps a closed row per change and one current row per live key", async () => {
  const { fx, step } = await setup(
    silverModel({
      scd: 2,
      columns: [
        { name: "id", from: "id" },
        { name: "title", from: "title" },
      ],
    }),
  );
  await fx.land([row(1, "a", 1), row(2, "x", 1)]);
  await step();
  await fx.land([row(1, "b", 2), row(2, "x", 1)]);
  await step();
  await fx.land([row(1, "b", 3, { deleted: true })]);
  const m = await step();
  assert.equal(m.deleted, 1);
  const rows = await fx.query(
    `SELECT id::int, title, is_current, valid_to IS NULL AS open, valid_from < coalesce(valid_to, 'infinity') AS ordered
       FROM "${fx.spec.silverSchema}".posts_flat ORDER BY id, valid_from`,
  );
  assert.deepEqual(rows, [
    { id: 1, title: "a", is_current: false, open: false, ordered: true },
    { id: 1, title: "b", is_current: false, open: false, ordered: true },
    { id: 2, title: "x", is_current: true, open: true, ordered: true },
  ]);
});

test("rows failing the model's where are kept out of silver and removed when they stop matching", async () => {
  const { fx, step } = await setup(silverModel({ where: "account_type_id <> 9" }));
  await fx.land([row(1, "a", 1), row(2, "b", 1, { account_type_id: 9 })]);
  await step();
  await fx.land([row(1, "a", 2, { account_type_id: 9 })]);
  await step();
  const rows = await fx.query(`SELECT id FROM "${fx.spec.silverSchema}".posts_flat`);
  assert.deepEqual(rows, []);
});

test("a silver run whose versions were pruned fails clearly, and a rebuild from bronze recovers", async () => {
  const { fx, step } = await setup();
  await fx.land([row(1, "a", 1), row(2, "b", 1)]);
  await step();
  const first = await pruneChangeFeed(fx.spec, "posts", process.env);
  assert.equal(first.floor, 1);
  assert.equal(first.deletedRows, 2);
  await fx.land([row(1, "c", 2)]);
  await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
  await fx.land([row(3, "d", 3)]);
  await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
  // Forced past the reader: keep only the newest version.
  const forced = await pruneChangeFeed(fx.spec, "posts", process.env, { keepLast: 0 });
  assert.equal(forced.floor, 1, "a consumer's checkpoint holds the floor even with keepLast");
  await fx.pool.query("UPDATE _smelter.change_feed_floor SET floor_version = 2 WHERE pipeline = $1", [
    fx.spec.name,
  ]);
  await assert.rejects(
    silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx()),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /versions 2\.\.2 of table .*posts were pruned/);
      assert.match(e.message, /rebuild/);
      return true;
    },
  );
  const rebuilt = await rebuildSilver(fx.spec, "posts_flat", process.env);
  assert.deepEqual([rebuilt.inserted, rebuilt.versionTo], [3, 3]);
  const rows = await fx.query(`SELECT id::int, title FROM "${fx.spec.silverSchema}".posts_flat ORDER BY id`);
  assert.deepEqual(rows, [
    { id: 1, title: "c" },
    { id: 2, title: "b" },
    { id: 3, title: "d" },
  ]);
  const again = await silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx());
  assert.equal(again.rowsRead, 0);
});

test("includeAll copies every bronze data column not named by the model", async () => {
  const { fx, step } = await setup(
    silverModel({ includeAll: true, columns: [{ name: "post_id", from: "id" }], key: ["post_id"] }),
  );
  await fx.land([row(1, "a", 1)]);
  await step();
  const cols = await fx.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'posts_flat' ORDER BY ordinal_position`,
    [fx.spec.silverSchema],
  );
  assert.deepEqual(
    cols.map((c) => c.column_name),
    [
      "post_id",
      "account_type_id",
      "title",
      "amount",
      "payload",
      "updated_at",
      "deleted",
      "_smelter_commit_version",
      "_smelter_updated_at",
    ],
  );
});
