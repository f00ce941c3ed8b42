import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDateTime } from "../../../src/demo/dataset.ts";
import { SHAPES } from "./changes.ts";
import { demoPipeline, describeRun, publish, runPipeline, skip, specHead, uniqueName } from "./harness.ts";
import { assertLayersMatchSource, type Shape } from "./rows.ts";

/*
 * A spec change republished while the pipeline runs in Airflow: a new table (with its silver model) and a new
 * source column. Publishing waits until Airflow parsed the new DAG version, and the next run has the new tasks
 * and lands the new table and column.
 */

const name = uniqueName("e2e_evolve");
const dagId = `smelter__${name}`;

function spec(tables: string[]): string {
  const all: Record<string, string> = {
    posts:
      "  - { name: posts, primary_key: [id], cursor: [updated_at], type_overrides: { payload: jsonb } }\n",
    daily_metrics:
      "  - { name: daily_metrics, primary_key: [account_id, metric_date], cursor: [updated_at] }\n",
  };
  const models: Record<string, string> = {
    posts: "  - { name: posts_copy, from: posts, include_all: true }\n",
    daily_metrics: "  - { name: metrics_copy, from: daily_metrics, include_all: true }\n",
  };
  return (
    specHead(name) +
    `tables:\n${tables.map((t) => all[t]).join("")}silver:\n${tables.map((t) => models[t]).join("")}` +
    "airflow: { retries: 1, retry_delay: 5s }\n"
  );
}

describe("a spec change republished to Airflow", { skip }, () => {
  const { db } = demoPipeline(name);

  test("the next run has the new table's tasks and lands the new table and the new column", async () => {
    await publish(name, spec(["posts"]));
    const first = await runPipeline(name);
    assert.equal(first.state, "success", describeRun(first));
    assert.deepEqual(first.tasks.map((t) => t.task_id).sort(), [
      "bronze__posts",
      "extract__posts",
      "silver__posts_copy",
    ]);

    await db().query("ALTER TABLE posts ADD COLUMN language VARCHAR(8) NULL");
    const stamp = formatDateTime(Date.UTC(2026, 0, 2));
    await db().query(
      "UPDATE posts SET language = IF(id % 2 = 0, 'pt-BR', 'en'), updated_at = ? WHERE id % 7 = 0",
      [stamp],
    );
    const files = await publish(name, spec(["posts", "daily_metrics"]));
    assert.deepEqual(files[0]?.dag_ids, [dagId]);

    const second = await runPipeline(name);
    assert.equal(second.state, "success", describeRun(second));
    assert.deepEqual(
      second.tasks.map((t) => `${t.task_id}:${t.state}`).sort(),
      [
        "bronze__daily_metrics:success",
        "bronze__posts:success",
        "extract__daily_metrics:success",
        "extract__posts:success",
        "silver__metrics_copy:success",
        "silver__posts_copy:success",
      ],
      describeRun(second),
    );
    const posts = SHAPES.find((s) => s.table === "posts") as Shape;
    const metrics = SHAPES.find((s) => s.table === "daily_metrics") as Shape;
    const withLanguage = { ...posts, columns: [...posts.columns, "language"] };
    await assertLayersMatchSource(
      db(),
      name,
      [withLanguage, metrics],
      { posts: "posts_copy", daily_metrics: "metrics_copy" },
      `${name}, after the spec change`,
    );
  });
});
