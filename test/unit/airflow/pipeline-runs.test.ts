import assert from "node:assert/strict";
import { test } from "node:test";
import type { AirflowDagRun } from "../../../src/airflow/client.ts";
import { pipelineRuns } from "../../../src/airflow/pipelines.ts";

// How the runs listing turns the DAG runs of a pipeline's DAGs into runs of the pipeline.

const run = (
  dag: string,
  id: string,
  after: string,
  state: string | null,
  end: string | null = state === "success" || state === "failed" ? `${after}:30Z` : null,
): AirflowDagRun => ({
  dag_id: `smelter__shop${dag}`,
  dag_run_id: id,
  state,
  logical_date: null,
  start_date: state === "queued" ? null : `${after}:05Z`,
  end_date: end,
  run_after: `${after}:00Z`,
});

test("the DAG runs of every part under one run id are one run of the pipeline, with its parts' states", () => {
  const runs = [
    run("__p1", "r1", "2026-12-01T10:00", "success", "2026-12-01T10:00:50Z"),
    run("__p0", "r1", "2026-12-01T10:00", "success"),
    run("__p0", "r2", "2026-12-01T11:00", "success"),
    run("__p1", "r2", "2026-12-01T11:00", "running"),
  ];
  assert.deepEqual(pipelineRuns(runs, 25), [
    {
      dag_id: "smelter__shop__p0",
      run_id: "r2",
      state: "running",
      logical_date: null,
      start_date: "2026-12-01T11:00:05Z",
      end_date: null,
      parts: [
        {
          dag_id: "smelter__shop__p0",
          run_id: "r2",
          state: "success",
          logical_date: null,
          start_date: "2026-12-01T11:00:05Z",
          end_date: "2026-12-01T11:00:30Z",
        },
        {
          dag_id: "smelter__shop__p1",
          run_id: "r2",
          state: "running",
          logical_date: null,
          start_date: "2026-12-01T11:00:05Z",
          end_date: null,
        },
      ],
    },
    {
      dag_id: "smelter__shop__p0",
      run_id: "r1",
      state: "success",
      logical_date: null,
      start_date: "2026-12-01T10:00:05Z",
      end_date: "2026-12-01T10:00:50Z",
      parts: [
        {
          dag_id: "smelter__shop__p0",
          run_id: "r1",
          state: "success",
          logical_date: null,
          start_date: "2026-12-01T10:00:05Z",
          end_date: "2026-12-01T10:00:30Z",
        },
        {
          dag_id: "smelter__shop__p1",
          run_id: "r1",
          state: "success",
          logical_date: null,
          start_date: "2026-12-01T10:00:05Z",
          end_date: "2026-12-01T10:00:50Z",
        },
      ],
    },
  ]);
});

test("the limit counts runs of the pipeline, not DAG runs: ten parts list as many runs as one DAG", () => {
  const parts = Array.from({ length: 10 }, (_, k) => `__p${k}`);
  const hours = Array.from({ length: 30 }, (_, h) => `2026-12-01T${String(h % 24).padStart(2, "0")}:00`).map(
    (t, h) => (h < 24 ? t : t.replace("12-01", "12-02")),
  );
  const runs = hours.flatMap((t, h) => parts.map((p) => run(p, `r${h}`, t, "success")));
  const listed = pipelineRuns(runs, 25);
  assert.equal(listed.length, 25);
  assert.deepEqual(
    listed.map((r) => r.run_id),
    Array.from({ length: 25 }, (_, i) => `r${29 - i}`),
    "newest first",
  );
  for (const r of listed) assert.equal(r.parts?.length, 10, `${r.run_id} has every part`);
});

test("a run of one DAG is listed as that DAG's run, without parts; a queued run sorts by when it was asked for", () => {
  const runs = [
    run("", "manual__1", "2026-12-01T10:00", "success"),
    run("", "manual__2", "2026-12-01T12:00", "queued"),
    run("__silver", "asset_triggered__1", "2026-12-01T11:00", "failed"),
  ];
  assert.deepEqual(
    pipelineRuns(runs, 2).map((r) => [r.dag_id, r.run_id, r.state, r.start_date, "parts" in r]),
    [
      ["smelter__shop", "manual__2", "queued", null, false],
      ["smelter__shop__silver", "asset_triggered__1", "failed", "2026-12-01T11:00:05Z", false],
    ],
  );
});

test("a run whose parts all ended is failed when one part failed, and queued while one waits to start", () => {
  const failed = pipelineRuns(
    [run("__p0", "r", "2026-12-01T10:00", "success"), run("__p1", "r", "2026-12-01T10:00", "failed")],
    5,
  );
  assert.deepEqual(
    failed.map((r) => [r.state, r.end_date]),
    [["failed", "2026-12-01T10:00:30Z"]],
  );
  const waiting = pipelineRuns(
    [run("__p0", "r", "2026-12-01T10:00", "failed"), run("__p1", "r", "2026-12-01T10:00", "queued")],
    5,
  );
  assert.deepEqual(
    waiting.map((r) => [r.state, r.start_date, r.end_date]),
    [["queued", "2026-12-01T10:00:05Z", null]],
  );
});
