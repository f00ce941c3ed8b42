import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DataError } from "../../../src/errors.ts";
import { bronze } from "../../../src/executors/bronze.ts";
import type { SchemaEvolution } from "../../../src/spec/types.ts";
import { Fixture, POSTS, type Row, type TestColumn, tableSpec } from "./fixture.ts";

const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
});

const WIDER: TestColumn[] = [...POSTS, { name: "lang", duck: "VARCHAR", logical: { type: "string" } }];
const row = (id: number, extra: Row = {}): Row => ({
  id,
  account_type_id: 1,
  title: `t${id}`,
  amount: "1.5000",
  payload: "{}",
  updated_at: `2024-01-01 00:00:0${id}`,
  deleted: false,
  ...extra,
});

async function drift(mode: SchemaEvolution): Promise<{ fx: Fixture; run: () => ReturnType<typeof bronze> }> {
  const fx = await Fixture.create(tableSpec({ bronze: { schemaEvolution: mode, changeFeed: true } }));
  fixtures.push(fx);
  const run = () => bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
  await fx.land([row(1)]);
  await run();
  await fx.land([row(2, { lang: "en" })], { columns: WIDER });
  return { fx, run };
}

test("add_columns adds a new source column to bronze and its change feed", async () => {
  const { fx, run } = await drift("add_columns");
  const m = await run();
  assert.equal(m.inserted, 1);
  const rows = await fx.query(`SELECT id::int, lang FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`);
  assert.deepEqual(rows, [
    { id: 1, lang: null },
    { id: 2, lang: "en" },
  ]);
  const changes = await fx.query(`SELECT lang FROM "${fx.spec.bronzeSchema}".posts__changes WHERE id = 2`);
  assert.deepEqual(changes, [{ lang: "en" }]);
});

test("rescue keeps the table's columns and puts unexpected values into _rescued_data", async () => {
  const { fx, run } = await drift("rescue");
  await run();
  const rows = await fx.query(
    `SELECT id::int, _rescued_data FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { id: 1, _rescued_data: null },
    { id: 2, _rescued_data: { lang: "en" } },
  ]);
});

test("fail stops with a DataError naming the table, the batch and the new column, and applies nothing", async () => {
  const { fx, run } = await drift("fail");
  await assert.rejects(run(), (error: unknown) => {
    assert.ok(error instanceof DataError);
    assert.match(error.message, /posts/);
    assert.match(error.message, /batch b\d{8}T\d{9}Z-[0-9a-f]{8}/);
    assert.match(error.message, /lang/);
    assert.equal(error.retryable, false);
    return true;
  });
  const rows = await fx.query(`SELECT count(*)::int AS n FROM "${fx.spec.bronzeSchema}".posts`);
  assert.deepEqual(rows, [{ n: 1 }]);
});

test("a column the source dropped stays in bronze and is NULL in rows written afterwards", async () => {
  const fx = await Fixture.create();
  fixtures.push(fx);
  await fx.land([row(1)]);
  const narrow = POSTS.filter((c) => c.name !== "title");
  await fx.land([{ ...row(2), title: undefined }], { columns: narrow });
  await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
  const rows = await fx.query(`SELECT id::int, title FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`);
  assert.deepEqual(rows, [
    { id: 1, title: "t1" },
    { id: 2, title: null },
  ]);
});

test("bronze is partitioned and indexed as the spec asks", async () => {
  const fx = await Fixture.create(
    tableSpec({ partitionBy: { column: "account_type_id", kind: "list" }, clusterBy: ["account_type_id"] }),
  );
  fixtures.push(fx);
  await fx.land([row(1), row(2, { account_type_id: 2 }), row(3, { account_type_id: 2 })]);
  await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
  await fx.land([row(1, { account_type_id: 3, updated_at: "2024-01-02 00:00:00" })]);
  const m = await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
  assert.equal(m.updated, 1, "a row moving to another partition is an update");
  const changes = await fx.query(
    `SELECT id::int, account_type_id, _change_type FROM "${fx.spec.bronzeSchema}".posts__changes
      WHERE _commit_version = 2 ORDER BY _change_type`,
  );
  assert.deepEqual(changes, [
    { id: 1, account_type_id: 3, _change_type: "update_postimage" },
    { id: 1, account_type_id: 1, _change_type: "update_preimage" },
  ]);
  const parts = await fx.query(
    `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)`,
    [`"${fx.spec.bronzeSchema}".posts`],
  );
  assert.deepEqual(parts, [{ n: 3 }]);
  const index = await fx.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname = $2", [
    fx.spec.bronzeSchema,
    "posts__cluster",
  ]);
  assert.equal(index.length, 1);
  const rows = await fx.query(
    `SELECT id::int, account_type_id FROM "${fx.spec.bronzeSchema}".posts ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { id: 1, account_type_id: 3 },
    { id: 2, account_type_id: 2 },
    { id: 3, account_type_id: 2 },
  ]);
});
