import assert from "node:assert/strict";
import { test } from "node:test";
import { openStateDb } from "../../../src/state/db.ts";
import { ExecutionStore } from "../../../src/state/executions.ts";
import { freshDatabase } from "../http/harness.ts";

test("recent runs: the newest finished runs of a step per table, oldest first, unfinished ones left out", async (t) => {
  const db = await freshDatabase();
  const pool = await openStateDb(db.url, 4);
  const store = new ExecutionStore(pool);
  t.after(async () => {
    await store.events.close();
    await pool.end();
    await db.drop();
  });
  const ids: Record<string, string> = {};
  let minute = 0;
  const run = async (table: string, step: "extract" | "bronze", key: string, finished: boolean) => {
    const r = await store.submit(
      { request: { pipeline: "p", step, table }, idempotencyKey: key, airflow: null },
      100,
    );
    assert.ok(r.kind === "created");
    ids[key] = r.execution.id;
    minute++;
    await pool.query(
      `UPDATE smelter.executions SET created_at = $2, started_at = $2,
         status = $3, finished_at = CASE WHEN $4 THEN $2::timestamptz + interval '5 seconds' END,
         metrics = '{"rows_landed": 7}'
       WHERE id = $1`,
      [
        r.execution.id,
        new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
        finished ? "success" : "running",
        finished,
      ],
    );
  };
  for (const i of [1, 2, 3, 4]) await run("posts", "extract", `posts-e${i}`, true);
  await run("posts", "extract", "posts-running", false);
  await run("posts", "bronze", "posts-b1", true);
  await run("users", "extract", "users-e1", true);
  await run("other", "extract", "other-e1", true);

  const runs = await store.recentRuns("p", "extract", ["posts", "users", "missing"], 3);
  assert.deepEqual(
    runs.map((e) => [e.table, e.id]),
    [
      ["posts", ids["posts-e2"]],
      ["posts", ids["posts-e3"]],
      ["posts", ids["posts-e4"]],
      ["users", ids["users-e1"]],
    ],
  );
  assert.deepEqual(runs[0]?.metrics, { rows_landed: 7 });
  assert.deepEqual(
    (await store.recentRuns("p", "bronze", ["posts"], 3)).map((e) => e.id),
    [ids["posts-b1"]],
  );
  assert.deepEqual(await store.recentRuns("other-pipeline", "extract", ["posts"], 3), []);
});
