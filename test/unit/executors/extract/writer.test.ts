import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rowGroupPlan } from "../../../../src/executors/extract/writer.ts";

const MiB = 1024 * 1024;

describe("row groups of a landed part", () => {
  test("narrow rows keep 100k-row groups and the base 128 MiB budget", () => {
    assert.deepEqual(rowGroupPlan(250_000 * 150, 250_000, 400), {
      rowGroupRows: 100_000,
      memoryBytes: 128 * MiB,
    });
  });

  test("wide rows get fewer rows per group and a budget for the largest group", () => {
    const plan = rowGroupPlan(40_000 * 4096, 40_000, 8000);
    assert.equal(plan.rowGroupRows, 8192);
    assert.equal(plan.memoryBytes, 3 * 8192 * 8000);
  });

  test("huge rows stop at DuckDB's 2048-row minimum, budgeted by the part when it is smaller", () => {
    const plan = rowGroupPlan(500 * MiB, 500, MiB);
    assert.equal(plan.rowGroupRows, 2048);
    assert.equal(plan.memoryBytes, 3 * 500 * MiB);
  });
});
