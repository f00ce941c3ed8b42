import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { airflowFromEnv } from "../../../src/cli/commands/publish.ts";
import { missingStack, uniqueName } from "../executors/extract-helpers.ts";

// `smelter status` and `smelter trigger` with --format json against the stack's Airflow. They only read: a
// pipeline no test published, and the status of whatever smelter DAG the stack's Airflow already holds.

const skip = missingStack("SMELTER_AIRFLOW_URL");

function smelter(...args: string[]) {
  const run = spawnSync(process.execPath, ["bin/smelter.js", ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test(
  "status and trigger of a pipeline Airflow does not have answer JSON with the error and exit 1",
  { skip: skip ?? false },
  () => {
    const name = uniqueName("absent");
    const status = smelter("status", name, "--format", "json");
    assert.equal(status.code, 1, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), {
      pipeline: name,
      dags: [],
      error: `no DAG of pipeline ${name} in Airflow (expected smelter__${name})`,
    });
    const trigger = smelter("trigger", name, "--format", "json");
    assert.equal(trigger.code, 1, trigger.stderr);
    assert.deepEqual(Object.keys(JSON.parse(trigger.stdout)), ["dagId", "error"]);
  },
);

test("status --format json describes a DAG the stack's Airflow holds", { skip: skip ?? false }, async (t) => {
  const dags = (await airflowFromEnv().listDags("smelter__")).filter((d) =>
    /^smelter__[a-z0-9_]+$/.test(d.dag_id),
  );
  const pipeline = dags.map((d) => d.dag_id.slice("smelter__".length)).find((p) => !p.includes("__"));
  if (pipeline === undefined) {
    t.skip("the stack's Airflow holds no smelter DAG yet (the demo or the end-to-end tests publish some)");
    return;
  }
  const run = smelter("status", pipeline, "--runs", "1", "--format", "json");
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.pipeline, pipeline);
  assert.ok(report.dags.some((d: { dagId: string }) => d.dagId === `smelter__${pipeline}`));
  for (const d of report.dags) {
    assert.equal(typeof d.paused, "boolean");
    for (const r of d.runs)
      assert.deepEqual(Object.keys(r), ["dagId", "runId", "state", "startDate", "endDate", "tasks"]);
  }
});
