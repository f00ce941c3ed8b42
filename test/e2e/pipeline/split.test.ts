import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type mysql from "mysql2/promise";
import pg from "pg";
import { partOf } from "../../../src/compiler/plan.ts";
import { freePort } from "../../integration/support.ts";
import {
  airflow,
  airflowApi,
  cleanup,
  connectionsYaml,
  describeRun,
  follow,
  freshSourceDatabase,
  skip,
  sleep,
  uniqueName,
  waitFor,
  withWarehouse,
} from "./harness.ts";

/*
 * `airflow.split` through the real Airflow: a pipeline of three tiny tables split by hash into three DAGs is
 * published by a smelter service started from this checkout (its own port, state database, token and Airflow
 * connection, so the task hooks reach the code under test), "run the pipeline" starts every part under one run
 * id and each part's run loads its tables; then the spec shrinks to two parts: publishing removes the third
 * part's file and deletes its DAG, and the next run loads the moved table from where it stopped. Publishing with
 * trigger starts and waits for every part; a backfill run's conf reaches every part, where only the named table's
 * tasks run and the rest are skipped. Last, the reconcile job (publishing) removes a part file of the pipeline that
 * its spec does not make, and its DAG.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const name = uniqueName("e2e_split");
const stateDb = `${name}_state`;
const token = randomBytes(24).toString("hex");
const env = process.env;
const dagsFolder = env.SMELTER_DAGS_FOLDER ?? "";

/** One table name per part of a 3-part hash split, so that every part has a table and p2 has one to lose. */
function tablesPerPart(): string[] {
  const chosen = new Map<string, string>();
  for (let i = 0; chosen.size < 3; i++) {
    const table = `t${i}`;
    const part = partOf({ by: "hash", parts: 3 }, { name: table, source: "src" });
    if (!chosen.has(part)) chosen.set(part, table);
  }
  return ["p0", "p1", "p2"].map((p) => chosen.get(p)!);
}
const TABLES = tablesPerPart();
const MODEL = `${TABLES[0]}_copy`;

function spec(parts: number): string {
  return `version: 1
name: ${name}
${connectionsYaml(name)}defaults: { source: src }
tables:
${TABLES.map((t) => `  - { name: ${t}, primary_key: [id], cursor: [updated_at] }`).join("\n")}
silver:
  - { name: ${MODEL}, from: ${TABLES[0]}, include_all: true }
airflow: { split: { by: hash, parts: ${parts} }, connection_id: ${name}, retries: 0, max_active_tasks: 4 }
`;
}

let port = 0;
let child: ChildProcess | undefined;
let source: mysql.Connection | undefined;

/** A call to this file's own service; a non-2xx answer throws with its body. */
async function call<T>(method: string, path: string, body?: string, type = "application/json"): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`service ${method} ${path} answered ${res.status}: ${text.slice(0, 800)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface PublishAnswer {
  files: {
    file_name: string;
    dag_ids: string[];
    changed: boolean;
    run?: { dag_id: string; run_id: string; state: string | null } | null;
  }[];
  removed?: { file_name: string; dag_ids: string[] }[];
}
interface PipelineRun {
  run_id: string;
  state: string | null;
  parts?: { dag_id: string; run_id: string; state: string | null }[];
}
interface RunAnswer {
  dag_id: string;
  run_id: string;
  parts?: { dag_id: string; run_id: string }[];
}

async function publish(parts: number): Promise<PublishAnswer> {
  await call("PUT", `/api/v1/pipelines/${name}`, spec(parts), "application/yaml");
  return call<PublishAnswer>("POST", `/api/v1/pipelines/${name}/publish`, JSON.stringify({ unpause: true }));
}

/** Triggers the pipeline through the service and follows every part's run to its end. */
async function runAll(): Promise<{ answer: RunAnswer; states: Record<string, string | null> }> {
  const answer = await call<RunAnswer>("POST", `/api/v1/pipelines/${name}/runs`, JSON.stringify({}));
  const runs = answer.parts ?? [answer];
  const states: Record<string, string | null> = {};
  for (const run of runs) {
    const followed = await follow(run.dag_id, run.run_id);
    assert.equal(followed.state, "success", describeRun(followed));
    states[run.dag_id] = followed.state;
  }
  return { answer, states };
}

const count = (schema: string, table: string) =>
  withWarehouse(async (c) => {
    const { rows } = await c.query(`SELECT count(*) AS n FROM "${schema}"."${table}"`);
    return Number(rows[0].n);
  });

async function insertRows(table: string, from: number, n: number): Promise<void> {
  const values = Array.from({ length: n }, (_, i) => `(${from + i}, NOW(6), 'v${from + i}')`).join(", ");
  await source!.query(`INSERT INTO \`${table}\` (id, updated_at, val) VALUES ${values}`);
}

const admin = async <T>(use: (c: pg.Client) => Promise<T>): Promise<T> => {
  const url = new URL(env.SMELTER_PG_URL ?? "");
  url.pathname = "/postgres";
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await use(c);
  } finally {
    await c.end();
  }
};

const partFiles = async () =>
  (await readdir(dagsFolder)).filter((f) => f.startsWith(`smelter__${name}`) && f.endsWith(".py")).sort();

/** `smelter serve` of this checkout on `port` and its own state database, scheduled jobs off unless in `jobs`. */
async function startService(specsDir: string, jobs: Record<string, string>): Promise<void> {
  const stateUrl = new URL(env.SMELTER_PG_URL ?? "");
  stateUrl.pathname = `/${stateDb}`;
  const off = ["RECONCILE", "RETENTION", "MAINTENANCE", "AIRFLOW_WATCH", "TASK_WATCH", "FRESHNESS", "NOTIFY"];
  child = spawn(process.execPath, [join(ROOT, "bin/smelter.js"), "serve"], {
    cwd: ROOT,
    env: {
      ...env,
      SMELTER_PORT: String(port),
      SMELTER_HOST: "127.0.0.1",
      SMELTER_STATE_URL: stateUrl.toString(),
      SMELTER_API_TOKEN: token,
      SMELTER_API_TOKENS: "",
      SMELTER_SPECS_DIR: specsDir,
      SMELTER_LOG_LEVEL: "warn",
      ...Object.fromEntries(off.map((j) => [`SMELTER_JOB_${j}`, ""])),
      ...jobs,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const started = child;
  const deadline = Date.now() + 90_000;
  while (
    !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (started.exitCode !== null)
      throw new Error(`the service exited with ${started.exitCode} during start`);
    if (Date.now() > deadline) throw new Error("the service did not answer /healthz within 90 s");
    await sleep(500);
  }
}

async function stopService(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const stopping = child;
  const exited = new Promise((resolve) => stopping.once("exit", resolve));
  stopping.kill("SIGTERM");
  await Promise.race([exited, sleep(20_000)]);
}

describe("a pipeline split across several DAGs (airflow.split)", { skip, timeout: 15 * 60_000 }, () => {
  let specsDir = "";
  before(async () => {
    source = await freshSourceDatabase(name);
    for (const table of TABLES) {
      await source.query(
        `CREATE TABLE \`${table}\` (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, val VARCHAR(20))`,
      );
      await insertRows(table, 1, 5);
    }
    await admin((c) => c.query(`CREATE DATABASE ${stateDb}`));
    specsDir = await mkdtemp(join(tmpdir(), `${name}-specs-`));
    port = await freePort();
    await startService(specsDir, {});
    await airflowApi("POST", "/connections", {
      connection_id: name,
      conn_type: "smelter",
      host: "127.0.0.1",
      port,
      schema: "http",
      password: token,
    });
  });

  after(async () => {
    const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
    await quiet(source?.end() ?? Promise.resolve());
    const dagIds = (await airflow.listDags(`smelter__${name}`).catch(() => [])).map((d) => d.dag_id);
    await quiet(airflowApi("DELETE", `/connections/${name}`));
    await quiet(stopService());
    await cleanup(name, name, dagIds);
    await quiet(admin((c) => c.query(`DROP DATABASE IF EXISTS ${stateDb} WITH (FORCE)`)));
    await quiet(rm(specsDir, { recursive: true, force: true }));
  });

  test("publishing writes a file per part, and running the pipeline runs every part to success", async () => {
    const published = await publish(3);
    assert.deepEqual(
      published.files.map((f) => [f.file_name, f.dag_ids]),
      [0, 1, 2].map((k) => [`smelter__${name}__p${k}.py`, [`smelter__${name}__p${k}`]]),
    );
    assert.equal(published.removed, undefined);
    assert.deepEqual(
      await partFiles(),
      [0, 1, 2].map((k) => `smelter__${name}__p${k}.py`),
    );

    const { answer } = await runAll();
    const parts = answer.parts ?? [];
    assert.deepEqual(
      parts.map((p) => p.dag_id),
      [0, 1, 2].map((k) => `smelter__${name}__p${k}`),
    );
    assert.equal(new Set(parts.map((p) => p.run_id)).size, 1, "every part runs under the same run id");
    for (const table of TABLES) assert.equal(await count(`${name}_bronze`, table), 5, `bronze ${table}`);
    assert.equal(await count(`${name}_silver`, MODEL), 5, `silver ${MODEL}`);

    const { runs } = await call<{ runs: PipelineRun[] }>("GET", `/api/v1/pipelines/${name}/runs`);
    assert.deepEqual(
      runs.map((r) => [r.run_id, r.state, r.parts?.map((p) => [p.dag_id, p.state])]),
      [[answer.run_id, "success", [0, 1, 2].map((k) => [`smelter__${name}__p${k}`, "success"])]],
      "the parts' runs are one run of the pipeline",
    );
  });

  test("fewer parts: the stale part's file and DAG are removed, and its table runs on in another part", async () => {
    const published = await publish(2);
    assert.deepEqual(
      published.files.map((f) => f.file_name),
      [`smelter__${name}__p0.py`, `smelter__${name}__p1.py`],
    );
    assert.deepEqual(published.removed, [
      { file_name: `smelter__${name}__p2.py`, dag_ids: [`smelter__${name}__p2`] },
    ]);
    assert.deepEqual(await partFiles(), [`smelter__${name}__p0.py`, `smelter__${name}__p1.py`]);
    assert.equal(existsSync(join(dagsFolder, `smelter__${name}__p2.py`)), false);
    assert.equal(await airflow.getDag(`smelter__${name}__p2`), undefined, "the stale DAG is deleted");

    const moved = TABLES[2]!;
    await insertRows(moved, 100, 2);
    const { answer } = await runAll();
    assert.deepEqual(
      (answer.parts ?? []).map((p) => p.dag_id),
      [`smelter__${name}__p0`, `smelter__${name}__p1`],
    );
    assert.equal(await count(`${name}_bronze`, moved), 7, `${moved} loaded its new rows from its new part`);
  });

  test("smelter trigger with only the pipeline's name runs every part under one run id; status shows them", () => {
    const cli = (...args: string[]) => {
      const run = spawnSync(process.execPath, [join(ROOT, "bin/smelter.js"), ...args], {
        encoding: "utf8",
        timeout: 600_000,
      });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    };
    const trigger = cli("trigger", name, "--wait", "--timeout", "300", "--format", "json");
    assert.equal(trigger.code, 0, trigger.stderr + trigger.stdout);
    const reports = JSON.parse(trigger.stdout) as { dagId: string; runId: string; state: string }[];
    assert.deepEqual(
      reports.map((r) => [r.dagId, r.state]),
      [`smelter__${name}__p0`, `smelter__${name}__p1`].map((d) => [d, "success"]),
    );
    assert.equal(new Set(reports.map((r) => r.runId)).size, 1);

    const status = cli("status", name, "--runs", "1", "--format", "json");
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { dags: { dagId: string; runs: { runId: string }[] }[] };
    assert.deepEqual(
      report.dags.map((d) => [d.dagId, d.runs[0]?.runId]).sort(),
      [`smelter__${name}__p0`, `smelter__${name}__p1`].map((d) => [d, reports[0]!.runId]),
    );
  });

  test("smelter publish --trigger --wait starts every part under one run id and waits for each", async () => {
    const dir = await mkdtemp(join(tmpdir(), `${name}-cli-`));
    try {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, spec(2));
      const run = spawnSync(
        process.execPath,
        [join(ROOT, "bin/smelter.js"), "publish", file, "--trigger", "--wait"],
        { encoding: "utf8", timeout: 600_000 },
      );
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const ended = [...run.stdout.matchAll(/^(\S+) run (\S+): (\S+)$/gm)].map((m) => [m[1], m[2], m[3]]);
      assert.deepEqual(
        ended.map(([dag, , state]) => [dag, state]),
        [`smelter__${name}__p0`, `smelter__${name}__p1`].map((d) => [d, "success"]),
        run.stdout,
      );
      assert.equal(new Set(ended.map(([, id]) => id)).size, 1, "every part runs under the same run id");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("publish with trigger through the service starts every part under one run id and waits for each", async () => {
    for (const [i, table] of TABLES.entries()) await insertRows(table, 200 + i * 10, 1);
    const answer = await call<PublishAnswer>(
      "POST",
      `/api/v1/pipelines/${name}/publish`,
      JSON.stringify({ unpause: true, trigger: true, wait: true }),
    );
    const runs = answer.files.map((f) => f.run);
    assert.deepEqual(
      runs.map((r) => [r?.dag_id, r?.state]),
      [`smelter__${name}__p0`, `smelter__${name}__p1`].map((d) => [d, "success"]),
    );
    assert.equal(new Set(runs.map((r) => r?.run_id)).size, 1, "every part runs under the same run id");
    for (const table of TABLES) {
      const n = await count(`${name}_bronze`, table);
      assert.equal(n, table === TABLES[2] ? 8 : 6, `bronze ${table} loaded its new row`);
    }
  });

  test("a backfill run goes to every part: the named table reads its range, the other part's tasks are skipped", async () => {
    const named = TABLES[0]!;
    const home = partOf({ by: "hash", parts: 2 }, { name: named, source: "src" });
    const other = TABLES.find((t) => partOf({ by: "hash", parts: 2 }, { name: t, source: "src" }) !== home)!;
    // Rows stamped long before the watermark: an incremental run never reads them, the backfill's range does.
    await source!.query(
      `INSERT INTO \`${named}\` (id, updated_at, val) VALUES (500, '2001-01-01 12:00:00', 'old'), (501, '2001-01-01 13:00:00', 'old')`,
    );
    // A new row of a table in the other part: its skipped extract must not read it.
    await insertRows(other, 600, 1);
    const before = {
      named: await count(`${name}_bronze`, named),
      other: await count(`${name}_bronze`, other),
    };
    const conf = {
      backfill: { tables: [named], by: "cursor", from: "2001-01-01 00:00:00", to: "2001-01-02 00:00:00" },
    };
    const answer = await call<RunAnswer>("POST", `/api/v1/pipelines/${name}/runs`, JSON.stringify({ conf }));
    const parts = answer.parts ?? [answer];
    assert.deepEqual(
      parts.map((p) => p.dag_id),
      [`smelter__${name}__p0`, `smelter__${name}__p1`],
      "the backfill run starts in every part",
    );
    for (const part of parts) {
      const run = await follow(part.dag_id, part.run_id);
      assert.equal(run.state, "success", describeRun(run));
      const states = Object.fromEntries(run.tasks.map((t) => [t.task_id, t.state]));
      for (const table of TABLES.filter((t) => `extract__${t}` in states)) {
        const expected = table === named ? "success" : "skipped";
        assert.equal(states[`extract__${table}`], expected, `extract__${table}: ${describeRun(run)}`);
        assert.equal(states[`bronze__${table}`], expected, `bronze__${table}: ${describeRun(run)}`);
      }
      if (part.dag_id !== `smelter__${name}__${home}`) {
        assert.ok(
          Object.values(states).every((s) => s === "skipped"),
          `every task of ${part.dag_id}, which has no ${named}, is skipped: ${describeRun(run)}`,
        );
      }
    }
    assert.equal(
      await count(`${name}_bronze`, named),
      before.named + 2,
      `bronze ${named} holds the range's rows`,
    );
    assert.equal(await count(`${name}_silver`, MODEL), before.named + 2, `silver ${MODEL} follows`);
    assert.equal(await count(`${name}_bronze`, other), before.other, `${other} was not read`);
  });

  test("reconcile with publishing removes a part file the spec no longer makes, and its DAG", async () => {
    // A part of an earlier split with more parts: a generated file of the pipeline, registered in Airflow.
    const stale = `smelter__${name}__p5`;
    const p1 = await readFile(join(dagsFolder, `smelter__${name}__p1.py`), "utf8");
    await writeFile(join(dagsFolder, `${stale}.py`), p1.replaceAll(`smelter__${name}__p1`, stale));
    await waitFor(`Airflow to register ${stale}`, 120_000, () => airflow.getDag(stale));

    await stopService();
    await startService(specsDir, {
      SMELTER_JOB_RECONCILE: "*/5 * * * * *",
      SMELTER_RECONCILE_PUBLISH: "true",
    });
    await waitFor(`reconcile to remove ${stale}`, 120_000, async () =>
      existsSync(join(dagsFolder, `${stale}.py`)) || (await airflow.getDag(stale)) ? undefined : true,
    );
    assert.deepEqual(await partFiles(), [`smelter__${name}__p0.py`, `smelter__${name}__p1.py`]);
    assert.ok(await airflow.getDag(`smelter__${name}__p0`), "the parts the spec makes stay");
  });
});
