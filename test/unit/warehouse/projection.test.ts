import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../../src/errors.ts";
import { groupBatches } from "../../../src/executors/bronze/groups.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import { jsonPath, projectModel } from "../../../src/warehouse/postgres/projection.ts";
import { sqlType } from "../../../src/warehouse/postgres/sql.ts";

test("JSON paths split into PostgreSQL path elements", () => {
  assert.deepEqual(jsonPath("$.a.b", "x"), ["a", "b"]);
  assert.deepEqual(jsonPath("$.items[0].id", "x"), ["items", "0", "id"]);
  assert.deepEqual(jsonPath('$["odd key"].v', "x"), ["odd key", "v"]);
  assert.throws(() => jsonPath("a.b", "silver.m.columns[0]"), /silver\.m\.columns\[0\].*must start with/);
  assert.throws(() => jsonPath("$.a..b", "x"), ConfigError);
});

test("a model projects copies, casts, JSON paths and expressions over bronze columns", () => {
  const cols = projectModel(
    {
      name: "m",
      from: "t",
      key: ["id"],
      includeAll: false,
      scd: 1,
      freshness: { warnAfterSeconds: null, errorAfterSeconds: null },
      columns: [
        { name: "id", from: "id" },
        { name: "n", from: "amount", type: "numeric(10,2)" },
        { name: "k", json: { column: "payload", path: "$.k[1]" }, type: "text" },
        { name: "u", expr: "upper(title)", type: "text" },
      ],
    },
    [
      { name: "id", type: "bigint" },
      { name: "amount", type: "numeric(20,4)" },
      { name: "payload", type: "jsonb" },
      { name: "title", type: "text" },
    ],
    "s.t",
  );
  assert.deepEqual(cols, [
    { name: "id", type: "bigint", expr: '"id"' },
    { name: "n", type: "numeric(10,2)", expr: 'CAST("amount" AS numeric(10,2))' },
    { name: "k", type: "text", expr: `CAST("payload"::jsonb #>> ARRAY['k', '1']::text[] AS text)` },
    { name: "u", type: "text", expr: "CAST((upper(title)) AS text)" },
  ]);
});

test("type names are checked before they reach DDL", () => {
  assert.equal(sqlType("timestamp(6) with time zone", "x"), "timestamp(6) with time zone");
  assert.equal(sqlType("numeric(20, 4)", "x"), "numeric(20, 4)");
  assert.throws(() => sqlType("text; DROP TABLE x", "tables.posts.typeOverrides.a"), /typeOverrides\.a/);
});

function manifest(id: string, columns: string[], keyFiles = false): BatchManifest {
  return {
    batchId: id,
    rows: 10,
    schema: { columns: columns.map((name) => ({ name, warehouseType: "text" })) },
    ...(keyFiles ? { keyFiles: [] } : {}),
  } as unknown as BatchManifest;
}

test("batches with the same columns share a commit; a key-set batch ends its commit and a column change starts one", () => {
  const groups = groupBatches([
    manifest("b1", ["a"]),
    manifest("b2", ["a"]),
    manifest("b3", ["a", "b"]),
    manifest("b4", ["a", "b"], true),
    manifest("b5", ["a", "b"]),
  ]);
  assert.deepEqual(
    groups.map((g) => g.map((m) => m.batchId)),
    [["b1", "b2"], ["b3", "b4"], ["b5"]],
  );
  assert.equal(
    groupBatches([manifest("b1", ["a"]), manifest("b2", ["a"])], { batches: 1, rows: 100 }).length,
    2,
  );
});
