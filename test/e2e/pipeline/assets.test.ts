import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SHAPES } from "./changes.ts";
import {
  airflow,
  demoPipeline,
  describeRun,
  follow,
  publish,
  runPipeline,
  skip,
  specHead,
  uniqueName,
  waitFor,
} from "./harness.ts";
import { assertLayersMatchSource } from "./rows.ts";

/*
 * `airflow.assets: true`: the bronze DAG's tasks update Assets, and Airflow runs the silver DAG on them by
 * itself: nobody triggers the silver DAG, yet its run appears, succeeds, and silver equals the source.
 */

const name = uniqueName("e2e_assets");
const dagId = `smelter__${name}`;
const silverDagId = `smelter__${name}__silver`;
const posts = SHAPES.filter((s) => s.table === "posts");

describe("a pipeline whose silver DAG runs on the bronze Assets", { skip }, () => {
  const { db } = demoPipeline(name, { dagIds: [dagId, silverDagId] });

  test("a bronze run triggers the silver DAG through its Assets, and silver equals the source", async () => {
    const files = await publish(
      name,
      specHead(name) +
        "tables:\n  - { name: posts, primary_key: [id], cursor: [updated_at], type_overrides: { payload: jsonb } }\n" +
        "silver:\n  - { name: posts_copy, from: posts, include_all: true }\n" +
        "airflow: { retries: 1, retry_delay: 5s, assets: true }\n",
    );
    assert.deepEqual(files.flatMap((f) => f.dag_ids).sort(), [dagId, silverDagId]);
    assert.deepEqual(await airflow.listRuns(silverDagId, 10), [], "the silver DAG has not run before");

    const bronze = await runPipeline(name, dagId);
    assert.equal(bronze.state, "success", describeRun(bronze));
    assert.deepEqual(bronze.tasks.map((t) => t.task_id).sort(), ["bronze__posts", "extract__posts"]);

    const silverRun = await waitFor("a run of the silver DAG", 120_000, async () => {
      const runs = await airflow.listRuns(silverDagId, 10);
      return runs[0];
    });
    const silver = await follow(silverDagId, silverRun.dag_run_id);
    assert.equal(silver.state, "success", describeRun(silver));
    assert.deepEqual(
      silver.tasks.map((t) => t.task_id),
      ["silver__posts_copy"],
    );
    assert.equal(
      (silverRun as { run_type?: string }).run_type,
      "asset_triggered",
      `run ${silverRun.dag_run_id} of ${silverDagId}`,
    );
    await assertLayersMatchSource(db(), name, posts, { posts: "posts_copy" }, `${name}, after the Asset run`);
  });
});
