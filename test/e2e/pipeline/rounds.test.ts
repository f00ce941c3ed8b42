import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { randomRound, SHAPES, SILVER, SILVER_YAML, TABLES_YAML } from "./changes.ts";
import {
  airflowApi,
  airflowText,
  demoPipeline,
  describeRun,
  runPipeline,
  skip,
  specHead,
  taskOf,
  taskPath,
  uniqueName,
} from "./harness.ts";
import { assertLayersMatchSource } from "./rows.ts";

/*
 * The main path through the real Airflow, service, MariaDB, S3 and PostgreSQL: a small demo data set in its own
 * MariaDB database, a first run, then incremental runs after rounds of random changes. After every run bronze
 * and silver equal the source row by row. The seed of the data and of the changes is the pipeline name, which
 * every failure message names.
 */

const name = uniqueName("e2e_rounds");
const dagId = `smelter__${name}`;

describe("a pipeline run through Airflow, then incremental rounds", { skip }, () => {
  const { db } = demoPipeline(name, {
    spec: `${specHead(name)}${TABLES_YAML}${SILVER_YAML}airflow: { retries: 1, retry_delay: 5s, max_active_tasks: 8 }\n`,
  });

  test("the first run lands every source row in bronze and silver; the task log holds the execution's log and metrics", async () => {
    const run = await runPipeline(name);
    assert.equal(run.state, "success", describeRun(run));
    await assertLayersMatchSource(db(), name, SHAPES, SILVER, `${name}, first run`);

    const bronze = taskOf(run, "bronze__posts");
    const log = await airflowText(
      "GET",
      `${taskPath(dagId, run.runId, bronze.task_id)}/logs/${bronze.try_number}?full_content=true`,
    );
    assert.match(
      log,
      /\[smelter [^\]]+\] bronze posts of /,
      "the execution's log lines are in the Airflow task log",
    );
    const xcom = await airflowApi<{ value: unknown }>(
      "GET",
      `${taskPath(dagId, run.runId, bronze.task_id)}/xcomEntries/return_value?deserialize=true&stringify=false`,
    );
    const metrics = (typeof xcom.value === "string" ? JSON.parse(xcom.value) : xcom.value) as Record<
      string,
      number
    >;
    assert.equal(metrics.inserted, 1500, `XCom return_value of bronze__posts: ${JSON.stringify(xcom.value)}`);

    const status = spawnSync(process.execPath, ["bin/smelter.js", "status", name, "--format", "json"], {
      encoding: "utf8",
    });
    assert.equal(status.status, 0, status.stderr);
    const report = JSON.parse(status.stdout) as {
      dags: {
        dagId: string;
        runs: { runId: string; state: string; tasks: { taskId: string; state: string }[] }[];
      }[];
    };
    const reported = report.dags.find((d) => d.dagId === dagId)?.runs.find((r) => r.runId === run.runId);
    assert.equal(reported?.state, "success", `smelter status --format json: ${status.stdout}`);
    assert.equal(reported.tasks.find((t) => t.taskId === "bronze__posts")?.state, "success");
  });

  test("three rounds of random inserts, updates, soft and hard deletes keep bronze and silver equal to the source", async () => {
    for (let round = 1; round <= 3; round++) {
      const summary = await randomRound(db(), name, round);
      const run = await runPipeline(name);
      assert.equal(run.state, "success", describeRun(run));
      await assertLayersMatchSource(
        db(),
        name,
        SHAPES,
        SILVER,
        `${name}, round ${round} ${JSON.stringify(summary)}`,
      );
    }
  });
});
