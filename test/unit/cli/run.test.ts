import assert from "node:assert/strict";
import { test } from "node:test";
import { requestFrom } from "../../../src/cli/commands/run.ts";
import { parsePipeline } from "../../../src/registry.ts";

const pipeline = parsePipeline(
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
`,
  "shop.yaml",
);

test("smelter run --downstream asks for the later steps, for a source as for a table", () => {
  assert.deepEqual(requestFrom(pipeline, { step: "extract", source: "db", downstream: true }), {
    pipeline: "shop",
    step: "extract",
    source: "db",
    downstream: true,
  });
  assert.equal(requestFrom(pipeline, { step: "bronze", table: "a", downstream: true }).downstream, true);
  assert.equal(requestFrom(pipeline, { step: "extract", source: "db" }).downstream, undefined);
});

test("smelter run --downstream refuses silver, which has no later step", () => {
  assert.throws(
    () => requestFrom(pipeline, { step: "silver", table: "a", downstream: true }),
    /--downstream: silver has no later step/,
  );
});
