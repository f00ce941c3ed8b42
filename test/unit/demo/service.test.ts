import assert from "node:assert/strict";
import { test } from "node:test";
import { type RecentRun, runStartedByUnpause } from "../../../src/demo/service.ts";

const since = new Date("2026-12-05T10:00:00Z");
const run = (over: Partial<RecentRun>): RecentRun => ({
  dag_id: "smelter__social",
  run_id: "scheduled__2026-12-05T09:00:00+00:00",
  state: "success",
  start_date: "2026-12-05T09:00:05Z",
  ...over,
});

test("the demo follows the run unpausing its scheduled DAG started, not one from before", () => {
  const started = run({ state: "running", start_date: "2026-12-05T10:00:02Z" });
  assert.equal(runStartedByUnpause([started, run({})], "smelter__social", since), started);
  const queued = run({ state: "queued", start_date: null });
  assert.equal(runStartedByUnpause([queued], "smelter__social", since), queued);
  assert.equal(
    runStartedByUnpause([run({}), run({ state: "running" })], "smelter__social", since),
    undefined,
  );
  const manual = run({ run_id: "smelter__20261205T100003000Z_abcdef", start_date: "2026-12-05T10:00:03Z" });
  assert.equal(runStartedByUnpause([manual], "smelter__social", since), undefined);
  assert.equal(runStartedByUnpause([started], "smelter__social__silver", since), undefined);
});
