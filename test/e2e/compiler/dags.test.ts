import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { compilePipeline, type GeneratedDag, writeDagFile } from "../../../src/compiler/generate.ts";
import { parsePipeline } from "../../../src/registry.ts";

/*
 * Generated DAG files in the running Airflow: each is registered with no import error and the planned task
 * graph. Needs the stack (scripts/stack up) and the smelter_airflow package installed in Airflow.
 */
const url = process.env.SMELTER_AIRFLOW_URL;
const folder = process.env.SMELTER_DAGS_FOLDER;
const skip =
  !url || !folder
    ? "SMELTER_AIRFLOW_URL / SMELTER_DAGS_FOLDER not set: start the stack (scripts/stack up)"
    : false;
const suffix = randomBytes(3).toString("hex");
const REGISTER_TIMEOUT_MS = 120_000;

let token = "";

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

async function waitForDag(dagId: string): Promise<void> {
  const deadline = Date.now() + REGISTER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await api(`/api/v2/dags/${dagId}`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.fail(`DAG ${dagId} was not registered within ${REGISTER_TIMEOUT_MS / 1000} s`);
}

/** The graph Airflow holds for a DAG: task id → sorted downstream task ids. */
async function taskGraph(dagId: string): Promise<Record<string, string[]>> {
  const { status, body } = await api<{ tasks: { task_id: string; downstream_task_ids: string[] }[] }>(
    `/api/v2/dags/${dagId}/tasks`,
  );
  assert.equal(status, 200);
  return Object.fromEntries(body.tasks.map((t) => [t.task_id, [...t.downstream_task_ids].sort()]));
}

async function importErrors(fileName: string): Promise<string[]> {
  const { body } = await api<{ import_errors: { filename: string; stack_trace: string }[] }>(
    `/api/v2/importErrors?limit=1000`,
  );
  return body.import_errors.filter((e) => e.filename.endsWith(fileName)).map((e) => e.stack_trace);
}

function spec(name: string, airflow: string): string {
  return `version: 1
name: ${name}
connections:
  db: { kind: mariadb, host: 127.0.0.1, database: social, user: smelter, password: { env: DB_PASSWORD } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables:
  - { name: posts, primary_key: [id], cursor: [updated_at] }
  - { name: accounts, primary_key: [id], cursor: [updated_at] }
silver:
  - { name: posts_flat, from: posts, columns: [id] }
airflow: ${airflow}
`;
}

describe("generated DAGs in Airflow", { skip }, () => {
  const written: GeneratedDag[] = [];
  const table = `e2e_${suffix}_table`;
  const assets = `e2e_${suffix}_assets`;
  const chained = `e2e_${suffix}_chained`;

  before(async () => {
    const response = await fetch(`${url}/auth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        username: process.env.SMELTER_AIRFLOW_USER ?? "admin",
        password: process.env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
      }),
    });
    assert.equal(response.status, 201, `POST /auth/token answered ${response.status}`);
    token = ((await response.json()) as { access_token: string }).access_token;
    for (const [name, airflow] of [
      [table, "{ schedule: '@daily', max_active_tasks: 5 }"],
      [assets, "{ assets: true, granularity: source }"],
      [chained, "{ layout: table }"],
    ] as const) {
      const dag = compilePipeline(parsePipeline(spec(name, airflow), `e2e/${name}.yaml`));
      await writeDagFile(folder!, dag);
      written.push(dag);
    }
  });

  after(async () => {
    for (const dag of written) await rm(join(folder!, dag.fileName), { force: true });
  });

  test("a task-per-table DAG is registered with its task graph and no import error", async () => {
    const dagId = `smelter__${table}`;
    await waitForDag(dagId);
    assert.deepEqual(await importErrors(`smelter__${table}.py`), []);
    assert.deepEqual(await taskGraph(dagId), {
      extract__posts: ["bronze__posts"],
      bronze__posts: ["silver__posts_flat"],
      extract__accounts: ["bronze__accounts"],
      bronze__accounts: [],
      silver__posts_flat: [],
    });
    const { body } = await api<{ max_active_tasks: number; tags: { name: string }[] }>(
      `/api/v2/dags/${dagId}`,
    );
    assert.equal(body.max_active_tasks, 5);
  });

  test("layout table gives one task per table and no edges", async () => {
    const dagId = `smelter__${chained}`;
    await waitForDag(dagId);
    assert.deepEqual(await importErrors(`smelter__${chained}.py`), []);
    assert.deepEqual(await taskGraph(dagId), { table__posts: [], table__accounts: [] });
  });

  test("assets split silver into a second DAG scheduled on the bronze assets", async () => {
    await waitForDag(`smelter__${assets}`);
    await waitForDag(`smelter__${assets}__silver`);
    assert.deepEqual(await importErrors(`smelter__${assets}.py`), []);
    assert.deepEqual(await taskGraph(`smelter__${assets}`), {
      extract__src__db: ["bronze__src__db"],
      bronze__src__db: [],
    });
    assert.deepEqual(await taskGraph(`smelter__${assets}__silver`), { silver__posts_flat: [] });
    const source = await readFile(join(folder!, `smelter__${assets}.py`), "utf8");
    assert.ok(!source.includes("DB_PASSWORD"));
  });
});
