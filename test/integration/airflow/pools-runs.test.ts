import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { AirflowClient } from "../../../src/airflow/client.ts";
import { ensurePool } from "../../../src/airflow/pools.ts";
import { LocalDagFolder, Publisher } from "../../../src/airflow/publisher.ts";
import { airflowSettings } from "../support.ts";

/*
 * Against the stack's Airflow: publishing makes the spec's pool (created, resized, or left alone), and a DAG run
 * triggered again under the same run id is the same run, never a second one.
 */

const url = process.env.SMELTER_AIRFLOW_URL;
const folder = process.env.SMELTER_DAGS_FOLDER ?? "dags-out";
const skip = url ? false : "SMELTER_AIRFLOW_URL is not set (source the stack's stack.env)";
const user = process.env.SMELTER_AIRFLOW_USER ?? "admin";
const password = process.env.SMELTER_AIRFLOW_PASSWORD ?? "admin";

/** DELETE on Airflow's API, for cleaning up what the tests made (the client has no use for deleting). */
async function remove(path: string): Promise<void> {
  const token = await fetch(`${url}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user, password }),
  });
  const { access_token } = (await token.json()) as { access_token: string };
  await fetch(`${url}/api/v2${path}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${access_token}` },
  });
}

describe("pools and DAG runs in the real Airflow", { skip }, () => {
  const client = new AirflowClient({ url: url ?? "", user, password });
  const suffix = randomBytes(3).toString("hex");
  const pool = `smelter_test_pool_${suffix}`;
  const dagId = `smelter_test_runs_${suffix}`;
  after(async () => {
    await rm(join(folder, `${dagId}.py`), { force: true });
    await remove(`/pools/${pool}`);
    await remove(`/dags/${dagId}`);
  });

  test("publishing creates the spec's pool, sets its size when the spec gives one, else leaves it", async () => {
    const settings = { ...airflowSettings("test"), pool, maxActiveTasks: 3, poolSlots: 2 };
    assert.equal(await ensurePool(client, settings), `created pool ${pool} with 6 slots`);
    const created = await client.getPool(pool);
    assert.equal(created?.slots, 6);
    assert.equal(created?.include_deferred, true, "deferred tasks count, so the pool bounds executions");
    assert.equal(
      await ensurePool(client, { ...settings, poolSize: 4 }),
      `set pool ${pool} from 6 to 4 slots`,
    );
    assert.equal((await client.getPool(pool))?.slots, 4);
    assert.equal(await ensurePool(client, settings), `pool ${pool} has 4 slots`);
    assert.equal(await ensurePool(client, { ...settings, pool: null }), null);
  });

  test("a trigger sent again with the same run id returns that run and starts no second one", async () => {
    const publisher = new Publisher(client, new LocalDagFolder(folder));
    const content =
      `from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n\n` +
      `with DAG(dag_id="${dagId}", schedule=None, tags=["smelter-test"]):\n    EmptyOperator(task_id="noop")\n`;
    // Left paused: the runs are recorded and never scheduled.
    await publisher.publishFile(
      { fileName: `${dagId}.py`, content, dagIds: [dagId] },
      { timeoutMs: 240_000 },
    );
    const runId = `smelter__test_${suffix}`;
    const conf = { backfill: { tables: ["posts"], from: "2026-01-01" } };
    const [first, second] = await Promise.all([
      client.triggerRun(dagId, conf, runId),
      client.triggerRun(dagId, conf, runId),
    ]);
    const third = await client.triggerRun(dagId, conf, runId);
    assert.deepEqual([first.dag_run_id, second.dag_run_id, third.dag_run_id], [runId, runId, runId]);
    const runs = await client.listRuns(dagId, 10);
    assert.deepEqual(
      runs.map((r) => r.dag_run_id),
      [runId],
    );
    const other = await client.triggerRun(dagId);
    assert.match(other.dag_run_id, /^smelter__\d{8}T\d{9}Z_[0-9a-f]{6}$/);
  });
});
