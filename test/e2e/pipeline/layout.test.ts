import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type pg from "pg";
import { randomRound, SHAPES, SILVER, SILVER_YAML, TABLES_YAML } from "./changes.ts";
import {
  airflowText,
  demoPipeline,
  describeRun,
  type Execution,
  executions,
  follow,
  runPipeline,
  skip,
  specHead,
  taskOf,
  taskPath,
  trigger,
  uniqueName,
  waitFor,
  withWarehouse,
} from "./harness.ts";
import { assertLayersMatchSource } from "./rows.ts";

/*
 * `airflow.layout: table` through the real Airflow: one task per table runs extract, bronze and the table's silver
 * model in the service, each step an execution of its own. Then a step fails inside the warehouse: the silver
 * execution's warehouse connection is cut while it waits for the model's warehouse lock (held by the test, like
 * retry.test.ts holds bronze's), so the failure lands at a known step. Airflow retries the task and the retry
 * starts at silver: extract and bronze ran once in the DAG run.
 */

const name = uniqueName("e2e_layout");
const dagId = `smelter__${name}`;

/** An execution with the fields of a chain and its steps. */
type Step = Execution & { parent_id: string | null; chain: boolean; metrics: Record<string, unknown> | null };

const ofRun = async (runId: string): Promise<Step[]> =>
  ((await executions(name)) as Step[]).filter((e) => e.airflow?.run_id === runId).reverse();

describe("one Airflow task per table (layout: table)", { skip, timeout: 10 * 60_000 }, () => {
  const { db } = demoPipeline(name, {
    spec: `${specHead(name)}${TABLES_YAML}${SILVER_YAML}airflow: { layout: table, retries: 2, retry_delay: 5s }\n`,
  });

  test("a run has one task per table, and each step of a table is an execution of its own", async () => {
    const run = await runPipeline(name);
    assert.equal(run.state, "success", describeRun(run));
    assert.deepEqual(run.tasks.map((t) => t.task_id).sort(), [
      "table__daily_metrics",
      "table__network_accounts",
      "table__posts",
    ]);
    await assertLayersMatchSource(db(), name, SHAPES, SILVER, `${name}, first run`);

    const all = await ofRun(run.runId);
    const chain = all.find((e) => e.chain && e.table === "posts");
    assert.ok(chain, `a chain execution for posts among ${all.map((e) => e.id).join(", ")}`);
    assert.equal(chain.status, "success");
    assert.deepEqual(
      all.filter((e) => e.parent_id === chain.id).map((e) => [e.step, e.table, e.status]),
      [
        ["extract", "posts", "success"],
        ["bronze", "posts", "success"],
        ["silver", "posts_copy", "success"],
      ],
    );
    const bronze = all.find((e) => e.parent_id === chain.id && e.step === "bronze");
    assert.equal(bronze?.metrics?.inserted, 1500);

    const task = taskOf(run, "table__posts");
    const log = await airflowText(
      "GET",
      `${taskPath(dagId, run.runId, task.task_id)}/logs/${task.try_number}?full_content=true`,
    );
    for (const step of ["extract", "bronze", "silver posts_copy"])
      assert.match(log, new RegExp(`\\[${step}\\] `), `the ${step} step's lines are in the task log`);
  });

  test("a step that fails is retried by Airflow, and the retry starts at that step", async () => {
    const summary = await randomRound(db(), name, 1);
    let started: { dag_id: string; run_id: string } | undefined;
    await withWarehouse(async (lock: pg.Client) => {
      await lock.query("BEGIN");
      await lock.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`smelter:silver:${name}:posts_copy`]);
      started = await trigger(name);
      const runId = started.run_id;
      await waitFor("the silver execution of posts_copy to run", 180_000, async () =>
        (await ofRun(runId)).find((e) => e.table === "posts_copy" && e.status === "running"),
      );
      // The silver execution waits for the lock inside its warehouse transaction: cut its connection.
      const cut = await waitFor("the silver execution to wait for the warehouse lock", 60_000, async () => {
        const { rows } = await lock.query(
          `SELECT pg_terminate_backend(a.pid) AS cut FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()
             AND a.query ILIKE '%pg_advisory_xact_lock%'`,
        );
        return rows.length > 0 ? rows : undefined;
      });
      assert.ok(cut.length > 0);
      await lock.query("ROLLBACK");
    });
    assert.ok(started);

    const run = await follow(started.dag_id, started.run_id);
    assert.equal(run.state, "success", describeRun(run));
    assert.ok(taskOf(run, "table__posts").try_number >= 2, `table__posts was retried: ${describeRun(run)}`);
    await assertLayersMatchSource(db(), name, SHAPES, SILVER, `${name}, after ${JSON.stringify(summary)}`);

    const all = await ofRun(started.run_id);
    const steps = (step: string, table: string) =>
      all.filter((e) => e.parent_id !== null && e.step === step && e.table === table).map((e) => e.status);
    assert.deepEqual(steps("extract", "posts"), ["success"], "extract ran once in the run");
    assert.deepEqual(steps("bronze", "posts"), ["success"], "bronze ran once in the run");
    assert.deepEqual(steps("silver", "posts_copy"), ["failed", "success"], "silver failed, then ran again");
    const chains = all.filter((e) => e.chain && e.table === "posts");
    assert.deepEqual(
      chains.map((c) => [c.status, c.airflow?.try_number]),
      [
        ["failed", 1],
        ["success", 2],
      ],
    );
    const retried = chains[1]?.metrics?.steps as unknown as Record<string, { ran_before?: boolean }>;
    assert.equal(retried.extract?.ran_before, true);
    assert.equal(retried.bronze?.ran_before, true);
    assert.equal(retried["silver posts_copy"]?.ran_before, undefined);
  });
});
