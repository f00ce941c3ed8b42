import assert from "node:assert/strict";
import { test } from "node:test";
import { freshnessLevel, freshnessState } from "../../../src/spec/freshness.ts";

const sla = { warnAfterSeconds: 3600, errorAfterSeconds: 7200 };

test("an age is ok up to warn_after, warns past it and is in error past error_after", () => {
  assert.equal(freshnessState(0, sla), "ok");
  assert.equal(freshnessState(3600, sla), "ok");
  assert.equal(freshnessState(3601, sla), "warn");
  assert.equal(freshnessState(7201, sla), "error");
});

test("either threshold alone is an SLA; neither is none, and no age under an SLA is unknown", () => {
  assert.equal(freshnessState(5000, { warnAfterSeconds: null, errorAfterSeconds: 4000 }), "error");
  assert.equal(freshnessState(5000, { warnAfterSeconds: 4000, errorAfterSeconds: null }), "warn");
  assert.equal(freshnessState(5000, { warnAfterSeconds: null, errorAfterSeconds: null }), "none");
  assert.equal(freshnessState(5000, undefined), "none");
  assert.equal(freshnessState(null, sla), "unknown");
});

test("metrics carry ok, warn and error as 0, 1 and 2, and nothing for the other states", () => {
  assert.deepEqual((["ok", "warn", "error", "unknown", "none"] as const).map(freshnessLevel), [
    0,
    1,
    2,
    null,
    null,
  ]);
});
