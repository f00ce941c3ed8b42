import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import type pg from "pg";
import { SHAPES } from "./changes.ts";
import {
  demoPipeline,
  describeRun,
  type Execution,
  executions,
  follow,
  skip,
  specHead,
  taskOf,
  trigger,
  uniqueName,
  waitFor,
  withWarehouse,
} from "./harness.ts";
import { assertLayersMatchSource } from "./rows.ts";

/*
 * The service dies while a bronze execution is inside its warehouse transaction. Once the service is back, the
 * execution is marked Interrupted (retryable), Airflow retries the task, the retry starts a new execution and
 * the run completes with every source row in bronze and silver exactly once.
 *
 * The bronze execution is held inside its transaction by taking the warehouse advisory lock the bronze commit
 * takes first (`smelter:bronze:<pipeline>:<table>`, src/warehouse/postgres/bronze.ts), so the kill lands at a
 * known point rather than racing a sub-second load.
 */

const run = promisify(execFile);
const STACK = join(import.meta.dirname, "../../../scripts/stack");
const name = uniqueName("e2e_retry");
const posts = SHAPES.filter((s) => s.table === "posts");

/** The pid of the running service; waits out a restart by someone else (the pid file is rewritten then). */
async function servicePid(): Promise<number> {
  const pidFile = join(process.env.SMELTER_STACK_DIR ?? "/var/tmp/smelter-stack", "run", "service.pid");
  return waitFor(
    `a live service pid in ${pidFile}`,
    60_000,
    async () => {
      const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
      return pid > 0 && alive(pid) ? pid : undefined;
    },
    250,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the service again; someone else may be starting it at the same moment, so health decides. */
async function restartService(): Promise<void> {
  await run("bash", [STACK, "up", "service"]).catch(() => undefined);
  const health = `${process.env.SMELTER_SERVICE_URL}/healthz`;
  await waitFor("the service to answer again", 90_000, async () =>
    (await fetch(health).catch(() => null))?.ok ? true : undefined,
  );
}

async function killService(): Promise<void> {
  const pid = await servicePid();
  process.kill(pid, "SIGKILL");
  await waitFor("the killed service to exit", 10_000, async () => (alive(pid) ? undefined : true), 200);
}

describe("an Airflow retry after the service died mid-bronze", { skip, timeout: 8 * 60_000 }, () => {
  const { db } = demoPipeline(name, {
    spec:
      specHead(name) +
      "tables:\n  - { name: posts, primary_key: [id], cursor: [updated_at], type_overrides: { payload: jsonb } }\n" +
      "silver:\n  - { name: posts_copy, from: posts, include_all: true }\n" +
      "airflow: { retries: 2, retry_delay: 5s }\n",
    // A failed test may leave the service down; the other test files need it.
    beforeCleanup: async () => {
      await run("bash", [STACK, "up", "service"]).catch(() => undefined);
    },
  });

  test("the execution is marked Interrupted, Airflow retries the task, and nothing is lost or duplicated", async () => {
    let started: { dag_id: string; run_id: string } | undefined;
    const bronze = await withWarehouse(async (lock: pg.Client) => {
      await lock.query("BEGIN");
      await lock.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`smelter:bronze:${name}:posts`]);
      started = await trigger(name);
      const running = await waitFor("the bronze execution to run", 120_000, async () =>
        (await executions(name)).find((e) => e.step === "bronze" && e.status === "running"),
      );
      await killService();
      await lock.query("ROLLBACK");
      return running;
    });
    await restartService();
    assert.ok(started);

    const result = await follow(started.dag_id, started.run_id);
    assert.equal(result.state, "success", describeRun(result));
    assert.ok(
      taskOf(result, "bronze__posts").try_number >= 2,
      `bronze__posts was retried: ${describeRun(result)}`,
    );

    const all = await executions(name);
    const killed = all.find((e) => e.id === bronze.id) as Execution;
    assert.equal(killed.status, "failed");
    assert.equal(killed.error?.type, "Interrupted");
    assert.equal(killed.error?.retryable, true);
    const retried = all.filter((e) => e.step === "bronze" && e.status === "success");
    assert.equal(retried.length, 1, "one successful bronze execution after the interrupted one");
    assert.notEqual(retried[0]?.idempotency_key, bronze.idempotency_key, "the retry is a new task try");

    await assertLayersMatchSource(db(), name, posts, { posts: "posts_copy" }, `${name}, after the retry`);
    const inserts = await withWarehouse(async (client) => {
      const { rows } = await client.query(
        `SELECT count(*) AS n, count(DISTINCT id) AS keys FROM "${name}_bronze"."posts__changes" WHERE _change_type = 'insert'`,
      );
      return rows[0] as { n: string; keys: string };
    });
    assert.deepEqual(inserts, { n: "1500", keys: "1500" }, "each source row entered the change feed once");
  });
});
