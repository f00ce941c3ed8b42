import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type {
  AirflowClient,
  AirflowDag,
  AirflowDagRun,
  AirflowTaskInstance,
} from "../../../src/airflow/client.ts";
import { describeStatus, pipelineStatus } from "../../../src/cli/commands/status.ts";

// What `smelter status` reports, from what Airflow's REST API answers (a stand-in for the three reads here; the
// integration layer runs the command against Airflow itself).

const dag = (dag_id: string, is_paused = false): AirflowDag => ({
  dag_id,
  is_paused,
  fileloc: `/dags/${dag_id}.py`,
});
const run = (dag_id: string, dag_run_id: string, state: string): AirflowDagRun => ({
  dag_id,
  dag_run_id,
  state,
  logical_date: null,
  start_date: "2026-12-01T00:00:00Z",
  end_date: state === "running" ? null : "2026-12-01T00:05:00Z",
});
const ti = (task_id: string, map_index: number, state: string | null): AirflowTaskInstance => ({
  task_id,
  map_index,
  state,
  try_number: 1,
  start_date: null,
  end_date: null,
});

const airflow = {
  listDags: async () => [dag("smelter__shop"), dag("smelter__shop__silver", true), dag("smelter__shopping")],
  listRuns: async (dagId: string) => (dagId === "smelter__shop" ? [run(dagId, "manual__1", "success")] : []),
  taskInstances: async () => [ti("extract__orders", -1, "success"), ti("bronze__orders", 2, null)],
} as unknown as AirflowClient;

test("status reports the pipeline's DAGs, their runs and task instances, leaving other pipelines out", async () => {
  const report = await pipelineStatus(airflow, "shop", 5);
  assert.deepEqual(report, {
    pipeline: "shop",
    dags: [
      {
        dagId: "smelter__shop",
        paused: false,
        runs: [
          {
            dagId: "smelter__shop",
            runId: "manual__1",
            state: "success",
            startDate: "2026-12-01T00:00:00Z",
            endDate: "2026-12-01T00:05:00Z",
            tasks: [
              { taskId: "extract__orders", mapIndex: null, state: "success", tryNumber: 1 },
              { taskId: "bronze__orders", mapIndex: 2, state: null, tryNumber: 1 },
            ],
          },
        ],
      },
      { dagId: "smelter__shop__silver", paused: true, runs: [] },
    ],
  });
  assert.equal(
    describeStatus(report),
    [
      "smelter__shop",
      "  manual__1  success  2026-12-01T00:00:00Z → 2026-12-01T00:05:00Z",
      "    extract__orders  success  try 1",
      "    bronze__orders[2]  none  try 1",
      "smelter__shop__silver (paused)",
      "",
    ].join("\n"),
  );
});

test("status of a pipeline without DAGs says so in the report", async () => {
  const report = await pipelineStatus(airflow, "nothing", 5);
  assert.deepEqual(report, {
    pipeline: "nothing",
    dags: [],
    error: "no DAG of pipeline nothing in Airflow (expected smelter__nothing)",
  });
  assert.equal(describeStatus(report), "");
});

test("status and trigger refuse a --format other than text or json before calling Airflow", () => {
  for (const command of ["status", "trigger"]) {
    const run = spawnSync(process.execPath, ["bin/smelter.js", command, "shop", "--format", "xml"], {
      encoding: "utf8",
      env: { ...process.env, SMELTER_AIRFLOW_URL: "http://127.0.0.1:1" },
    });
    assert.equal(run.status, 2, command);
    assert.match(run.stderr, /--format must be text or json, got "xml"/);
  }
});
