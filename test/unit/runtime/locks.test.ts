import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePipeline } from "../../../src/registry.ts";
import { lockKey, lockKeys } from "../../../src/runtime/locks.ts";

const { spec } = parsePipeline(
  `
version: 1
name: shop
connections:
  db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: P } }
  wh: { kind: postgres, url: { env: W } }
  land: { kind: local, path: /tmp/land }
warehouse: wh
landing: land
tables:
  - { name: a, source: db, primary_key: [id], cursor: [updated_at] }
  - { name: b, source: db, primary_key: [id], cursor: [updated_at] }
silver:
  - { name: a_flat, from: a, key: [id], include_all: true }
`,
  "shop.yaml",
);

test("a source request holds the locks of its step's tables", () => {
  const keys = lockKeys(spec, { pipeline: "shop", step: "extract", source: "db" });
  assert.deepEqual(keys, [lockKey("shop", "extract", "a"), lockKey("shop", "extract", "b")].sort());
});

test("a downstream source request also holds the locks of every table's later steps", () => {
  const keys = lockKeys(spec, { pipeline: "shop", step: "extract", source: "db", downstream: true });
  const expected = [
    lockKey("shop", "extract", "a"),
    lockKey("shop", "extract", "b"),
    lockKey("shop", "bronze", "a"),
    lockKey("shop", "bronze", "b"),
    lockKey("shop", "silver", "a_flat"),
  ].sort();
  assert.deepEqual(keys, expected);
});
