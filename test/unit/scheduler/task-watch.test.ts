import assert from "node:assert/strict";
import { test } from "node:test";
import type { AirflowTaskInstance } from "../../../src/airflow/client.ts";
import { verdict } from "../../../src/scheduler/task-watch.ts";
import type { AirflowContext } from "../../../src/state/executions.ts";

const ctx: AirflowContext = {
  dag_id: "smelter__social",
  run_id: "manual__1",
  task_id: "bronze__posts",
  map_index: -1,
  try_number: 2,
  logical_date: null,
};
const ti = (state: string | null, tryNumber = 2): AirflowTaskInstance => ({
  task_id: "bronze__posts",
  map_index: -1,
  state,
  try_number: tryNumber,
  start_date: null,
  end_date: null,
});

test("a try that is running, deferred or on its way back to execute_complete keeps its execution", () => {
  for (const state of ["running", "deferred", "scheduled", "queued", "restarting", "up_for_reschedule"]) {
    assert.deepEqual(verdict(ctx, ti(state)), { cancel: false }, state);
  }
});

test("a try marked failed or success, cleared, or failed for retry cancels its execution, naming why", () => {
  for (const [state, shown] of [
    ["failed", "failed"],
    ["success", "success"],
    ["up_for_retry", "up_for_retry"],
    [null, "cleared (no state)"],
  ] as const) {
    const v = verdict(ctx, ti(state));
    assert.equal(v.cancel, true);
    assert.match(
      (v as { reason: string }).reason,
      new RegExp(`smelter__social/manual__1/bronze__posts try 2 is ${shown.replace(/[()]/g, "\\$&")}`),
    );
  }
});

test("a later try of the same task instance cancels the execution of the earlier try, whatever its state", () => {
  const v = verdict(ctx, ti("running", 3));
  assert.equal(v.cancel, true);
  assert.match((v as { reason: string }).reason, /on to try 3 \(this execution belongs to try 2\)/);
});

test("without affirmative evidence nothing is cancelled: unknown task instance, or an older try listed", () => {
  assert.deepEqual(verdict(ctx, undefined), { cancel: false });
  assert.deepEqual(verdict(ctx, ti("failed", 1)), { cancel: false });
});

test("a mapped task instance is named with its index", () => {
  const v = verdict({ ...ctx, map_index: 4 }, { ...ti("failed"), map_index: 4 });
  assert.match((v as { reason: string }).reason, /bronze__posts\[4\] try 2/);
});
