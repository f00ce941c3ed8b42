import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PipelineCounts } from "../../../src/demo/counts.ts";
import { formatCounts } from "../../../src/demo/report.ts";
import { demoSettings, withStackEnv } from "../../../src/demo/settings.ts";

const counts = (bronze: number | null, landed: number | null): PipelineCounts => ({
  tables: [{ table: "posts", source: 1200, landed, batches: landed === null ? 0 : 1, bronze }],
  silver: [{ model: "posts_flat", from: "posts", silver: bronze }],
});

describe("demo report", () => {
  it("shows each layer's change since the previous count, a missing layer counting as empty", () => {
    const lines = formatCounts(counts(1200, 1500), counts(null, null)).join("\n");
    assert.match(lines, /posts\s+1,200\s+1,500 \(\+1,500\)\s+1\s+1,200 \(\+1,200\)/);
    assert.match(lines, /posts_flat\s+posts\s+1,200 \(\+1,200\)/);
  });

  it("prints a dash for a layer that does not exist and no change without a previous count", () => {
    const lines = formatCounts(counts(null, null)).join("\n");
    assert.match(lines, /posts\s+1,200\s+-\s+0\s+-/);
    assert.doesNotMatch(lines, /\(/);
  });
});

describe("demo settings", () => {
  it("takes a flag over the environment and the environment over the default", () => {
    assert.equal(demoSettings({}, {}).scale, 1);
    assert.equal(demoSettings({}, { SMELTER_DEMO_SCALE: "0.1" }).scale, 0.1);
    assert.equal(demoSettings({ scale: "2" }, { SMELTER_DEMO_SCALE: "0.1" }).scale, 2);
    assert.equal(demoSettings({ rounds: "0" }, {}).rounds, 0);
    assert.equal(demoSettings({}, {}).serviceUrl, "http://127.0.0.1:18300");
  });

  it("names the setting and where it came from when a value is wrong", () => {
    assert.throws(
      () => demoSettings({}, { SMELTER_DEMO_SCALE: "lots" }),
      /scale \(SMELTER_DEMO_SCALE\).*"lots"/,
    );
    assert.throws(() => demoSettings({ timeout: "0" }, {}), /timeout \(flag\)/);
    assert.throws(
      () => demoSettings({}, { SMELTER_DEMO_WAREHOUSE: "oracle" }),
      /warehouse \(SMELTER_DEMO_WAREHOUSE\): expected one of postgres, spark, got "oracle"/,
    );
  });

  it("picks the example written for the chosen warehouse unless a spec is given", () => {
    assert.match(demoSettings({}, {}).specFile, /examples\/social\.yaml$/);
    assert.match(demoSettings({ warehouse: "spark" }, {}).specFile, /examples\/social-delta\.yaml$/);
    assert.equal(demoSettings({ warehouse: "spark", spec: "/x.yaml" }, {}).specFile, "/x.yaml");
  });

  it("reads nothing when the stack directory has no stack.env", () => {
    const env = { SMELTER_STACK_DIR: "/nonexistent-stack-dir", X: "1" };
    assert.deepEqual(withStackEnv(env), env);
  });
});
