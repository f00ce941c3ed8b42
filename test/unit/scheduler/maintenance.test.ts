import assert from "node:assert/strict";
import { test } from "node:test";
import { maintenanceJob } from "../../../src/scheduler/maintenance.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import type { CatalogEntry } from "../../../src/state/pipelines.ts";

const entry = (name: string, valid = true): CatalogEntry => ({
  name,
  origin: "file",
  file: `${name}.yaml`,
  hash: "h",
  ...(valid
    ? { pipeline: { spec: { name } as PipelineSpec, file: `${name}.yaml`, hash: "h" } }
    : { error: "invalid" }),
});

test("maintenance reports each table, goes on after a failing pipeline or table, skips invalid specs, and maintains each warehouse's bookkeeping once", async () => {
  const said: string[] = [];
  const asked: string[] = [];
  const job = maintenanceJob("47 4 * * *", {
    catalog: {
      list: async () => [entry("broken"), entry("gone", false), entry("social"), entry("social_copy")],
    },
    retainHours: 24,
    say: (m) => said.push(m),
    maintain: async (spec, _env, options) => {
      asked.push(`${spec.name}:${options.retainHours}`);
      if (spec.name === "broken") throw new Error("warehouse unavailable");
      if (spec.name === "social_copy") return [];
      return [
        { target: "bronze.posts", result: { files: { before: 40, after: 1 }, vacuumed: true } },
        { target: "bronze.accounts", error: "DELTA_TABLE_NOT_FOUND" },
        { target: "silver.posts_flat", result: { files: null, vacuumed: true } },
        { target: "silver.daily", result: null },
      ];
    },
    maintainMetadata: async (spec, _env, options, done) => {
      asked.push(`metadata of ${spec.name}:${options.retainHours}`);
      // Both pipelines write to one warehouse.
      if (done.has("warehouse")) return [];
      done.add("warehouse");
      return [
        {
          target: "metadata._smelter.bronze_commits",
          result: { files: { before: 60, after: 1 }, vacuumed: true },
        },
      ];
    },
  });
  assert.equal(job.name, "maintenance");
  await job.run();
  assert.deepEqual(asked, [
    "broken:24",
    "social:24",
    "metadata of social:24",
    "social_copy:24",
    "metadata of social_copy:24",
  ]);
  assert.deepEqual(said, [
    "maintenance: pipeline broken: not maintained: warehouse unavailable",
    "maintenance: pipeline social bronze.posts: 40 file(s) compacted to 1, storage older than 24 h removed",
    "maintenance: pipeline social bronze.accounts: failed: DELTA_TABLE_NOT_FOUND",
    "maintenance: pipeline social silver.posts_flat: vacuumed",
    "maintenance: pipeline social metadata._smelter.bronze_commits: 60 file(s) compacted to 1, storage older than 24 h removed",
  ]);
});
