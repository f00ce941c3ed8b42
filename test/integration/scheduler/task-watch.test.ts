import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AirflowClient, type AirflowTaskInstance } from "../../../src/airflow/client.ts";
import { LocalDagFolder, Publisher } from "../../../src/airflow/publisher.ts";
import { taskWatchJob } from "../../../src/scheduler/task-watch.ts";
import {
  call,
  eventually,
  freshDatabase,
  SOCIAL_SPEC,
  startService,
  type TestService,
  testRegistry,
} from "../http/harness.ts";

const url = process.env.SMELTER_AIRFLOW_URL;
const folder = process.env.SMELTER_DAGS_FOLDER ?? "dags-out";
const skip = url ? false : "SMELTER_AIRFLOW_URL is not set (source the stack's stack.env)";
const user = process.env.SMELTER_AIRFLOW_USER ?? "admin";
const password = process.env.SMELTER_AIRFLOW_PASSWORD ?? "admin";

/** Marks a task instance as a user would in Airflow's UI (the service itself never changes Airflow state). */
async function markTaskInstance(dagId: string, runId: string, taskId: string, state: string): Promise<void> {
  const auth = await fetch(`${url}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user, password }),
  });
  const { access_token } = (await auth.json()) as { access_token: string };
  const path = `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${taskId}`;
  const res = await fetch(url + path, {
    method: "PATCH",
    headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ new_state: state }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe("task watch against the real Airflow", { skip, timeout: 300_000 }, () => {
  const client = new AirflowClient({ url: url ?? "", user, password });
  const suffix = randomBytes(3).toString("hex");
  const dagId = `smelter_test_watch_${suffix}`;
  const fileName = `${dagId}.py`;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;
  const said: string[] = [];

  before(async () => {
    db = await freshDatabase();
    svc = await startService(db.url, { registry: testRegistry(new Promise(() => {})) });
    await svc.catalog.register("social", SOCIAL_SPEC);
  });
  after(async () => {
    await svc?.close();
    await db?.drop();
    await rm(join(folder, fileName), { force: true });
  });

  test("an execution is left alone while its task runs and cancelled once a user marks the task failed", async () => {
    const publisher = new Publisher(client, new LocalDagFolder(folder));
    const content =
      "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.bash import BashOperator\n\n" +
      `with DAG(dag_id="${dagId}", schedule=None, tags=["smelter-test"]):\n` +
      '    BashOperator(task_id="hold", bash_command="sleep 240")\n';
    await publisher.publishFile(
      { fileName, content, dagIds: [dagId] },
      { unpause: true, timeoutMs: 120_000 },
    );
    const run = await client.triggerRun(dagId);
    let ti: AirflowTaskInstance | undefined;
    const deadline = Date.now() + 120_000;
    while (ti?.state !== "running") {
      assert.ok(Date.now() < deadline, `task hold of ${run.dag_run_id} did not start: ${ti?.state}`);
      await sleep(1000);
      ti = (await client.taskInstances(dagId, run.dag_run_id)).find((t) => t.task_id === "hold");
    }

    const submitted = await call(svc.url, "POST", "/api/v1/executions", {
      pipeline: "social",
      step: "bronze",
      table: "slow_posts",
      idempotency_key: `${dagId}/${run.dag_run_id}/hold/-1/${ti.try_number}`,
      airflow: {
        dag_id: dagId,
        run_id: run.dag_run_id,
        task_id: "hold",
        map_index: -1,
        try_number: ti.try_number,
        logical_date: null,
      },
    });
    assert.equal(submitted.status, 202);
    const id = submitted.body.id as string;
    await eventually(async () => (await svc.store.get(id))?.status === "running");

    const job = taskWatchJob("", { store: svc.store, client, say: (m) => said.push(m) });
    await job.run();
    assert.equal((await svc.store.get(id))?.status, "running", said.join("\n"));

    await markTaskInstance(dagId, run.dag_run_id, "hold", "failed");
    await job.run();
    const cancelled = await eventually(async () => {
      const e = await svc.store.get(id);
      return e?.status === "cancelled" ? e : undefined;
    });
    assert.match(
      cancelled.error?.message ?? "",
      new RegExp(`${dagId}/.+/hold try ${ti.try_number} is failed in Airflow`),
    );
    assert.ok(said.some((m) => m.startsWith(`task-watch: cancelled ${id}`)));
  });
});
