/**
 * Many small tables through the real Airflow: N MariaDB tables of a few rows each (a database of their own), a
 * spec with N tables and a silver model for every 100th, registered and published through a smelter service the
 * bench starts from this checkout (its own port, state database, API token and Airflow connection), then one DAG
 * run per layout (`airflow.layout: step`, `table`). Reported per layout: how long Airflow takes to parse the DAG
 * file (a DagBag in a fresh interpreter, and the DAG processor's own last parse), publish (write → registered),
 * trigger → first task start, the DAG run, the sum of task durations against the wall time, the service's own
 * work (executions) and its critical path, the Airflow overhead per table, where each task's time goes, and the
 * CPU seconds of each process group during the run. Measures, never asserts; removes all it created.
 *   node --import tsx bench/thousand/run.ts [--tables 50] [--rows 20] [--layouts step,table]
 *     [--models-every 100] [--max-active-tasks 16] [--concurrency 8] [--timeout-min 30]
 * Needs the stack (stack.env sourced); results go to bench/results/thousand.json.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import mysql from "mysql2/promise";
import pg from "pg";
import { DemoService } from "../../src/demo/service.ts";
import { freePort } from "../../test/integration/support.ts";
import { ensureDatabase } from "../lib/postgres.ts";
import { type TaskPhases, taskLogFile, taskPhases } from "../lib/task-log.ts";
import { cpuBetween, cpuSnapshot } from "./cpu.ts";
import { type Layout, modelTables, sourceTableSql, tableNames, thousandSpec } from "./spec.ts";

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const TABLES = Number(option("--tables", "50"));
const ROWS = Number(option("--rows", "20"));
const LAYOUTS = option("--layouts", "step,table").split(",") as Layout[];
const MODELS_EVERY = Number(option("--models-every", "100"));
const MAX_ACTIVE_TASKS = Number(option("--max-active-tasks", "16"));
const CONCURRENCY = Number(option("--concurrency", "8"));
const TIMEOUT_MS = Number(option("--timeout-min", "30")) * 60_000;
/** `airflow.split` parts (0: one DAG): the pipeline's tables hashed into that many DAGs, run together. */
const SPLIT = Number(option("--split", "0"));

const env = process.env;
function need(key: string): string {
  const value = env[key];
  if (!value) throw new Error(`${key} is not set: source the stack's stack.env (scripts/stack up)`);
  return value;
}
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS = join(ROOT, "bench/results");
const id = randomBytes(3).toString("hex");
const NAME = `bench_thousand_${id}`;
const DB = { source: NAME, warehouse: `${NAME}_wh`, state: `${NAME}_state` };
const LANDING_PREFIX = `bench-thousand/${id}`;
const CONNECTION_ID = NAME;
const TOKEN = randomBytes(24).toString("hex");
const pgUrl = (database: string) => {
  const url = new URL(need("SMELTER_PG_URL"));
  url.pathname = `/${database}`;
  return url.toString();
};
const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (from: string | Date | null | undefined, to: string | Date | null | undefined) =>
  from && to ? (new Date(to).getTime() - new Date(from).getTime()) / 1000 : Number.NaN;
const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

// ---- Airflow REST (the calls the service's client does not make) ---------------------------------------------

const AIRFLOW = need("SMELTER_AIRFLOW_URL").replace(/\/$/, "");
let jwt = "";
async function airflow<T>(
  method: string,
  path: string,
  body?: object,
  allow404 = false,
): Promise<T | undefined> {
  if (!jwt) {
    const res = await fetch(`${AIRFLOW}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: need("SMELTER_AIRFLOW_USER"),
        password: need("SMELTER_AIRFLOW_PASSWORD"),
      }),
    });
    jwt = ((await res.json()) as { access_token: string }).access_token;
  }
  // A loaded API server answers a read now and then with a 5xx ("Database error"): reads are asked again.
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    res = await fetch(`${AIRFLOW}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    if (method !== "GET" || res.status < 500 || attempt >= 4) break;
    await sleep(2000 * attempt);
  }
  if (res.status === 404 && allow404) return undefined;
  const text = await res.text();
  if (!res.ok) throw new Error(`Airflow ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface TaskInstance {
  task_id: string;
  state: string | null;
  try_number: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  queued_when: string | null;
  scheduled_when: string | null;
}
interface DagRun {
  state: string;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
}
interface Dag {
  last_parsed_time: string | null;
  last_parse_duration: number | null;
}

async function taskInstances(dagId: string, runId: string): Promise<TaskInstance[]> {
  const all: TaskInstance[] = [];
  for (;;) {
    const page = await airflow<{ task_instances: TaskInstance[]; total_entries: number }>(
      "GET",
      `/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances?limit=100&offset=${all.length}`,
    );
    all.push(...(page?.task_instances ?? []));
    if (!page || page.task_instances.length === 0 || all.length >= page.total_entries) return all;
  }
}

// ---- the source, the service --------------------------------------------------------------------------------

async function seedSource(): Promise<number> {
  const started = performance.now();
  const url = new URL(need("SMELTER_MARIADB_URL"));
  url.pathname = "/";
  const conn = await mysql.createConnection({ uri: url.toString(), multipleStatements: true });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${DB.source}\``);
    await conn.query(`CREATE DATABASE \`${DB.source}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.query(`USE \`${DB.source}\``);
    const names = tableNames(TABLES);
    for (let i = 0; i < names.length; i += 50) {
      await conn.query(
        `${names
          .slice(i, i + 50)
          .flatMap((t) => sourceTableSql(t, ROWS))
          .join(";\n")};`,
      );
    }
  } finally {
    await conn.end();
  }
  return (performance.now() - started) / 1000;
}

/** `smelter serve` of this checkout on its own port and state database, scheduled jobs off. */
async function startService(port: number): Promise<ChildProcess> {
  const jobs = [
    "RECONCILE",
    "RETENTION",
    "MAINTENANCE",
    "AIRFLOW_WATCH",
    "TASK_WATCH",
    "FRESHNESS",
    "NOTIFY",
  ];
  const child = spawn(process.execPath, [join(ROOT, "bin/smelter.js"), "serve"], {
    cwd: ROOT,
    env: {
      ...env,
      SMELTER_PORT: String(port),
      SMELTER_HOST: "127.0.0.1",
      SMELTER_STATE_URL: pgUrl(DB.state),
      SMELTER_API_TOKEN: TOKEN,
      SMELTER_API_TOKENS: "",
      SMELTER_SPECS_DIR: join(tmpdir(), `${NAME}-specs`),
      SMELTER_MAX_CONCURRENT_EXECUTIONS: String(CONCURRENCY),
      SMELTER_MAX_QUEUE: String(Math.max(100, TABLES * 3)),
      SMELTER_LOG_LEVEL: "warn",
      ...Object.fromEntries(jobs.map((j) => [`SMELTER_JOB_${j}`, ""])),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} during start`);
    if (Date.now() > deadline) throw new Error("the service did not answer /healthz within 60 s");
    await sleep(500);
  }
}

function airflowPython(): string | undefined {
  const p = env.SMELTER_AIRFLOW_VENV && join(env.SMELTER_AIRFLOW_VENV, "bin/python");
  return p && existsSync(p) ? p : undefined;
}

const PARSE = `
import json, sys, time
t0 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
t1 = time.perf_counter()
bag = DagBag(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_airflow_s": t1 - t0, "dagbag_s": t2 - t1, "dags": len(bag.dags),
  "tasks": sum(len(d.tasks) for d in bag.dags.values()), "import_errors": len(bag.import_errors)}))
`;

/** DagBag of the generated file in a fresh interpreter: what the DAG processor and every task process pay. */
async function dagbagParse(fileName: string, content: string): Promise<Record<string, number> | null> {
  const python = airflowPython();
  if (!python) return null;
  const dir = await mkdtemp(join(tmpdir(), "smelter-bench-thousand-"));
  try {
    await writeFile(join(dir, fileName), content);
    const text = execFileSync(python, ["-c", PARSE, dir], {
      encoding: "utf8",
      env: { ...env, AIRFLOW__CORE__LOAD_EXAMPLES: "False", AIRFLOW_HOME: need("SMELTER_AIRFLOW_HOME") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(text.trim().split("\n").pop()!);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses of the DAG file by task processes that hit the import timeout, in all, and the tasks that had one. */
async function parseTimeouts(runId: string, tis: (TaskInstance & { dagId: string })[]) {
  const counts = await Promise.all(
    tis.map((ti) =>
      readFile(taskLogFile(need("SMELTER_AIRFLOW_HOME"), ti.dagId, runId, ti), "utf8").then(
        (text) => text.split("DagBag import timeout").length - 1,
        () => 0,
      ),
    ),
  );
  return { total: counts.reduce((a, b) => a + b, 0), tasks: counts.filter((c) => c > 0).length };
}

// ---- one layout ---------------------------------------------------------------------------------------------

/** The runs of every part as one: from the first start to the last end, success only when every part succeeded. */
function combinedRun(runs: (DagRun | undefined)[]): DagRun | undefined {
  if (runs.some((r) => r === undefined)) return undefined;
  const all = runs as DagRun[];
  const ended = all.every((r) => ["success", "failed"].includes(r.state));
  const earliest = (v: (string | null)[]) => v.filter((d): d is string => d !== null).sort()[0] ?? null;
  const latest = (v: (string | null)[]) =>
    v
      .filter((d): d is string => d !== null)
      .sort()
      .at(-1) ?? null;
  return {
    state: !ended ? "running" : all.every((r) => r.state === "success") ? "success" : "failed",
    queued_at: earliest(all.map((r) => r.queued_at)),
    start_date: earliest(all.map((r) => r.start_date)),
    end_date: ended ? latest(all.map((r) => r.end_date)) : null,
  };
}

interface Execution {
  id: string;
  task_id: string | null;
  step: string;
  table_name: string | null;
  parent_id: string | null;
  status: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const quantile = (values: number[], q: number) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))]! : Number.NaN;
};
const stats = (values: number[]) => {
  const v = values.filter(Number.isFinite);
  return {
    n: v.length,
    mean: round(v.reduce((a, b) => a + b, 0) / v.length),
    median: round(quantile(v, 0.5)),
    p95: round(quantile(v, 0.95)),
    max: round(Math.max(...v)),
  };
};

/**
 * The task that must end before `taskId` may start, in the DAG's shape: extract → bronze → silver per table, or
 * per source (`extract__src__src` → `bronze__src__src` → each silver model) with `granularity: source`.
 */
function upstreamOf(taskId: string, layout: Layout): string | undefined {
  const [kind, ...rest] = taskId.split("__");
  if (kind === "bronze") return `extract__${rest.join("__")}`;
  if (kind === "silver")
    return layout === "source" ? "bronze__src__src" : `bronze__${rest[0]!.replace(/_flat$/, "")}`;
  return undefined;
}

async function measureLayout(service: DemoService, state: pg.Pool, layout: Layout, port: number) {
  const name = `${NAME}_${layout}${SPLIT > 0 ? `_split${SPLIT}` : ""}`;
  const spec = thousandSpec({
    name,
    tables: TABLES,
    modelsEvery: MODELS_EVERY,
    sourceDatabase: DB.source,
    warehouseDatabase: DB.warehouse,
    landingPrefix: LANDING_PREFIX,
    layout,
    connectionId: CONNECTION_ID,
    maxActiveTasks: MAX_ACTIVE_TASKS,
    splitParts: SPLIT,
  });
  say(`==> layout ${layout}${SPLIT > 0 ? `, split in ${SPLIT}` : ""}: pipeline ${name}`);
  let started = performance.now();
  await service.ensurePipeline(name, spec, "");
  const registerSeconds = (performance.now() - started) / 1000;
  const generated = (await fetch(`http://127.0.0.1:${port}/api/v1/pipelines/${name}/dag`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  }).then((r) => r.json())) as { files: { file_name: string; dag_ids: string[]; content: string }[] };
  // With --split every part is a file and a DAG of its own; the largest file stands for the parse a task pays.
  const files = generated.files;
  const dagIds = files.flatMap((f) => f.dag_ids);
  const file = files.reduce((a, b) => (b.content.length > a.content.length ? b : a));
  for (const f of files) created.dagFiles.push(join(need("SMELTER_DAGS_FOLDER"), f.file_name));
  created.dagIds.push(...dagIds);
  const dagbag = await dagbagParse(file.file_name, file.content);
  say(
    `    ${files.length} DAG file(s), largest ${(file.content.length / 1024).toFixed(0)} KiB, DagBag ${JSON.stringify(dagbag)}`,
  );
  started = performance.now();
  await service.publish(name);
  const publishSeconds = (performance.now() - started) / 1000;
  const afterPublish = await Promise.all(dagIds.map((id) => airflow<Dag>("GET", `/dags/${id}`)));
  const afterPublishParse = Math.max(...afterPublish.map((d) => d?.last_parse_duration ?? Number.NaN));
  say(
    `    published in ${publishSeconds.toFixed(1)} s; DAG processor parse ${afterPublishParse} s (largest)`,
  );

  const cpuBefore = cpuSnapshot(serviceChild?.pid);
  const loads: number[] = [];
  // How long Airflow's API server (which also serves every task's execution API calls) takes to answer.
  const apiLatency: number[] = [];
  const parses = new Map<string, number>();
  const triggeredAt = new Date();
  started = performance.now();
  // "Run the pipeline": one run of every part under one run id.
  const triggered = (await fetch(`http://127.0.0.1:${port}/api/v1/pipelines/${name}/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ wait: false }),
  }).then((r) => r.json())) as { run_id: string; parts?: { dag_id: string }[] };
  const run = { runId: triggered.run_id };
  const runDagIds = triggered.parts?.map((p) => p.dag_id) ?? [dagIds[0]!];
  for (const id of runDagIds) created.runs.push({ dagId: id, runId: run.runId });
  let dagRun: DagRun | undefined;
  let lastProgress = 0;
  const progress: { seconds: number; executionsFinished: number; load: number }[] = [];
  for (;;) {
    await sleep(3000);
    loads.push(loadavg()[0]!);
    const asked = performance.now();
    await fetch(`${AIRFLOW}/api/v2/version`).then((r) => r.text());
    apiLatency.push((performance.now() - asked) / 1000);
    const dagRuns = await Promise.all(
      runDagIds.map((id) => airflow<DagRun>("GET", `/dags/${id}/dagRuns/${encodeURIComponent(run.runId)}`)),
    );
    dagRun = combinedRun(dagRuns);
    for (const id of runDagIds) {
      const dag = await airflow<Dag>("GET", `/dags/${id}`);
      if (dag?.last_parsed_time && dag.last_parse_duration !== null) {
        parses.set(`${id} ${dag.last_parsed_time}`, dag.last_parse_duration);
      }
    }
    if (dagRun && ["success", "failed"].includes(dagRun.state)) break;
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      const { rows } = await state.query<{ done: string }>(
        "SELECT count(*) AS done FROM smelter.executions WHERE pipeline = $1 AND finished_at IS NOT NULL",
        [name],
      );
      const at = (performance.now() - started) / 1000;
      progress.push({
        seconds: round(at, 0)!,
        executionsFinished: Number(rows[0]?.done),
        load: loadavg()[0]!,
      });
      say(`    ${at.toFixed(0)} s: ${rows[0]?.done} executions finished, load ${loadavg()[0]!.toFixed(1)}`);
    }
    if (performance.now() - started > TIMEOUT_MS) {
      say(`    timed out after ${TIMEOUT_MS / 60_000} min: marking the run failed`);
      for (const id of runDagIds) {
        await airflow("PATCH", `/dags/${id}/dagRuns/${encodeURIComponent(run.runId)}`, { state: "failed" });
      }
      dagRun = { ...dagRun!, state: "timed out" };
      break;
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(serviceChild?.pid));
  const tis = (
    await Promise.all(
      runDagIds.map(async (id) => (await taskInstances(id, run.runId)).map((t) => ({ ...t, dagId: id }))),
    )
  ).flat();
  const { rows: execs } = await state.query<Execution>(
    `SELECT id, airflow->>'task_id' AS task_id, step, table_name, parent_id, status, created_at, started_at,
            finished_at
       FROM smelter.executions WHERE pipeline = $1`,
    [name],
  );
  const execSeconds = (e: Execution) => seconds(e.started_at, e.finished_at);
  // The executions a task followed: the step's own, or (layout table) the chain holding the table's steps.
  const followed = new Map(execs.filter((e) => e.parent_id === null).map((e) => [e.task_id, e]));
  // The work itself: the executions no other execution names as its parent.
  const parents = new Set(execs.map((e) => e.parent_id));
  const steps = execs.filter((e) => !parents.has(e.id));
  const stepSeconds = steps.reduce((sum, e) => sum + (execSeconds(e) || 0), 0);
  // The service's critical path: the longest chain of followed executions along the DAG's edges.
  const path = new Map<string, number>();
  const pathOf = (taskId: string): number => {
    if (!path.has(taskId)) {
      const e = followed.get(taskId);
      const up = upstreamOf(taskId, layout);
      path.set(taskId, (e ? execSeconds(e) || 0 : 0) + (up ? pathOf(up) : 0));
    }
    return path.get(taskId)!;
  };
  const chainMaxSeconds = Math.max(...tis.map((t) => pathOf(t.task_id)));
  const serviceBoundSeconds = Math.max(chainMaxSeconds, stepSeconds / CONCURRENCY);
  const byId = new Map(tis.map((t) => [t.task_id, t]));
  const runSeconds = seconds(dagRun?.start_date, dagRun?.end_date ?? new Date());
  const starts = tis
    .map((t) => t.start_date)
    .filter((d): d is string => d !== null)
    .sort();
  const ends = tis
    .map((t) => t.end_date)
    .filter((d): d is string => d !== null)
    .sort();
  const sumTaskSeconds = tis.reduce((sum, t) => sum + (t.duration ?? 0), 0);
  const phases = (
    await Promise.all(
      tis.map((t) =>
        taskPhases(need("SMELTER_AIRFLOW_HOME"), t.dagId, run.runId, t, followed.get(t.task_id)?.created_at),
      ),
    )
  ).filter((p): p is TaskPhases => p !== null);
  const phase = (key: keyof TaskPhases) => stats(phases.map((p) => p[key]));
  const timeouts = await parseTimeouts(run.runId, tis);
  const readyOf = (t: TaskInstance) => {
    const up = upstreamOf(t.task_id, layout);
    return up ? byId.get(up)?.end_date : dagRun?.start_date;
  };
  const result = {
    layout: SPLIT > 0 ? `${layout} split ${SPLIT}` : layout,
    pipeline: name,
    dagId: runDagIds.join(","),
    dags: runDagIds.length,
    runId: run.runId,
    state: dagRun?.state ?? "unknown",
    tables: TABLES,
    silverModels: modelTables(TABLES, MODELS_EVERY).length,
    tasks: tis.length,
    taskStates: Object.fromEntries(
      [...new Set(tis.map((t) => t.state ?? "none"))].map((s) => [
        s,
        tis.filter((t) => (t.state ?? "none") === s).length,
      ]),
    ),
    /** The largest DAG file (the only one without --split). */
    dagFileKiB: round(file.content.length / 1024, 0),
    parse: {
      dagbag: dagbag,
      dagProcessorAfterPublishSeconds: round(afterPublishParse),
      dagProcessorDuringRun: stats([...parses.values()]),
    },
    registerSeconds: round(registerSeconds),
    publishSeconds: round(publishSeconds),
    triggerToRunStartSeconds: round(seconds(triggeredAt, dagRun?.start_date)),
    triggerToFirstTaskStartSeconds: round(seconds(triggeredAt, starts[0])),
    lastTaskEndToRunEndSeconds: round(seconds(ends.at(-1), dagRun?.end_date)),
    runSeconds: round(runSeconds),
    wallSeconds: round(wallSeconds),
    sumTaskSeconds: round(sumTaskSeconds),
    meanRunningTasks: round(sumTaskSeconds / runSeconds),
    tasksPerMinute: round((tis.filter((t) => t.end_date).length / runSeconds) * 60),
    service: {
      concurrency: CONCURRENCY,
      executions: steps.length,
      failed: steps.filter((e) => e.status !== "success").length,
      stepSeconds: round(stepSeconds),
      chainMaxSeconds: round(chainMaxSeconds),
      boundSeconds: round(serviceBoundSeconds),
      perExecution: stats(steps.map(execSeconds)),
    },
    airflowOverheadPerTableSeconds: round((runSeconds - serviceBoundSeconds) / TABLES, 3),
    runSecondsPerTable: round(runSeconds / TABLES, 3),
    perTask: {
      readyToQueuedSeconds: stats(tis.map((t) => seconds(readyOf(t), t.queued_when))),
      queuedToStartSeconds: stats(tis.map((t) => seconds(t.queued_when, t.start_date))),
      durationSeconds: stats(tis.map((t) => t.duration ?? Number.NaN)),
      durationMinusExecutionSeconds: stats(
        tis.map((t) => {
          const e = followed.get(t.task_id);
          return (t.duration ?? Number.NaN) - (e ? execSeconds(e) : Number.NaN);
        }),
      ),
      fromLogs: {
        tasks: phases.length,
        startSeconds: phase("startSeconds"),
        parseSeconds: phase("parseSeconds"),
        requestSeconds: phase("requestSeconds"),
        submitSeconds: phase("submitSeconds"),
        serviceSeconds: phase("serviceSeconds"),
        finishSeconds: phase("finishSeconds"),
      },
      serviceQueueSeconds: stats(
        [...followed.values()].map((e) => seconds(e.created_at, e.started_at ?? e.finished_at)),
      ),
    },
    /** Task starts whose DAG file parse hit [core] dagbag_import_timeout (the task is then put back and retried). */
    parseTimeouts: timeouts,
    apiServerVersionSeconds: stats(apiLatency),
    cpuSeconds: cpu,
    progress,
    load: {
      min: round(Math.min(...loads)),
      mean: round(loads.reduce((a, b) => a + b, 0) / loads.length),
      max: round(Math.max(...loads)),
    },
  };
  say(
    `    ${result.state}: run ${result.runSeconds} s for ${result.tasks} tasks (${result.runSecondsPerTable} s/table), ` +
      `trigger → first task ${result.triggerToFirstTaskStartSeconds} s, service bound ${result.service.boundSeconds} s, ` +
      `overhead/table ${result.airflowOverheadPerTableSeconds} s, load ${result.load.mean}`,
  );
  say(`    per task: ${JSON.stringify(result.perTask)}`);
  say(`    CPU s: ${JSON.stringify(cpu)}`);
  return result;
}

// ---- cleanup ------------------------------------------------------------------------------------------------

const created = {
  dagFiles: [] as string[],
  dagIds: [] as string[],
  /** Runs triggered, marked failed at cleanup so that their DAGs can be deleted if the bench stops mid-run. */
  runs: [] as { dagId: string; runId: string }[],
  connection: false,
};
const logDir = (dagId: string) => join(need("SMELTER_AIRFLOW_HOME"), "logs", `dag_id=${dagId}`);
let serviceChild: ChildProcess | undefined;

async function cleanUp(): Promise<void> {
  const attempt = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      say(`    cleanup: ${what} failed: ${(error as Error).message}`);
    }
  };
  say("==> cleaning up");
  for (const f of created.dagFiles) await attempt(`removing ${f}`, () => unlink(f).catch(() => {}));
  for (const r of created.runs) {
    const path = `/dags/${r.dagId}/dagRuns/${encodeURIComponent(r.runId)}`;
    const run = await airflow<DagRun>("GET", path, undefined, true).catch(() => undefined);
    if (run && !["success", "failed"].includes(run.state)) {
      await attempt(`failing run ${r.runId} of ${r.dagId}`, () =>
        airflow("PATCH", path, { state: "failed" }),
      );
    }
  }
  for (const d of created.dagIds) {
    // Deleted once Airflow has marked it stale (its file is gone): a DAG deleted while the dag processor marks it
    // stops the dag processor. Airflow refuses (409) while task instances of the DAG still run: they end soon
    // after their run failed.
    await attempt(`deleting DAG ${d}`, async () => {
      for (let waited = 0; waited < 120; waited++) {
        const dag = await airflow<{ is_stale?: boolean } | undefined>("GET", `/dags/${d}`, undefined, true);
        if (!dag || dag.is_stale) break;
        await sleep(1000);
      }
      for (let tries = 1; ; tries++) {
        try {
          return await airflow("DELETE", `/dags/${d}`, undefined, true);
        } catch (error) {
          if (tries >= 12 || !/: 409 /.test((error as Error).message)) throw error;
          await sleep(5000);
        }
      }
    });
    await attempt(`removing the task logs of ${d}`, () => rm(logDir(d), { recursive: true, force: true }));
  }
  if (created.connection) {
    await attempt("deleting the Airflow connection", () =>
      airflow("DELETE", `/connections/${CONNECTION_ID}`, undefined, true),
    );
  }
  if (serviceChild && serviceChild.exitCode === null) {
    const child = serviceChild;
    await attempt("stopping the service", async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(20_000)]);
    });
  }
  await attempt("dropping the MariaDB database", async () => {
    const url = new URL(need("SMELTER_MARIADB_URL"));
    url.pathname = "/";
    const conn = await mysql.createConnection({ uri: url.toString() });
    await conn.query(`DROP DATABASE IF EXISTS \`${DB.source}\``);
    await conn.end();
  });
  for (const db of [DB.warehouse, DB.state]) {
    await attempt(`dropping ${db}`, async () => {
      const admin = new pg.Client({ connectionString: pgUrl("postgres") });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.end();
    });
  }
  await attempt("deleting the landing prefix", async () => {
    const s3 = new S3Client({
      endpoint: need("SMELTER_S3_ENDPOINT"),
      region: need("AWS_REGION"),
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const Bucket = need("SMELTER_S3_BUCKET");
    for (;;) {
      const list = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${LANDING_PREFIX}/` }));
      const keys = (list.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
    }
  });
  await rm(join(tmpdir(), `${NAME}-specs`), { recursive: true, force: true });
}

// ---- main ---------------------------------------------------------------------------------------------------

const settings = {
  tables: TABLES,
  rowsPerTable: ROWS,
  modelsEvery: MODELS_EVERY,
  maxActiveTasks: MAX_ACTIVE_TASKS,
  serviceConcurrency: CONCURRENCY,
  airflow: {
    executor: "LocalExecutor",
    note: "the stack's settings (scripts/lib/airflow.sh); [core] parallelism and max_active_tasks_per_dag at Airflow's defaults",
    parallelism: 32,
    maxActiveTasksPerDag: 16,
    dagProcessorMinFileProcessInterval: 5,
    dagProcessorRefreshInterval: 5,
    schedulerIdleSleepTime: 0.5,
    minHeartbeatInterval: 1,
    defaultDeferrable: true,
    waitBeforeDefer: "10s (spec default)",
  },
};
const uptimeBefore = execFileSync("uptime", { encoding: "utf8" }).trim();
say(`==> ${NAME}: ${TABLES} tables × ${ROWS} rows, layouts ${LAYOUTS.join(", ")}; ${uptimeBefore}`);
const results: Awaited<ReturnType<typeof measureLayout>>[] = [];
let seedSeconds = Number.NaN;
try {
  seedSeconds = await seedSource();
  say(`    seeded MariaDB ${DB.source} in ${seedSeconds.toFixed(1)} s`);
  await ensureDatabase(pgUrl("postgres"), DB.warehouse);
  await ensureDatabase(pgUrl("postgres"), DB.state);
  await mkdir(join(tmpdir(), `${NAME}-specs`), { recursive: true });
  const port = await freePort();
  serviceChild = await startService(port);
  say(`    service on 127.0.0.1:${port} (pid ${serviceChild.pid})`);
  await airflow("POST", "/connections", {
    connection_id: CONNECTION_ID,
    conn_type: "smelter",
    host: "127.0.0.1",
    port,
    schema: "http",
    password: TOKEN,
  });
  created.connection = true;
  const service = new DemoService(`http://127.0.0.1:${port}`, TOKEN);
  const state = new pg.Pool({ connectionString: pgUrl(DB.state), max: 2 });
  try {
    for (const layout of LAYOUTS) results.push(await measureLayout(service, state, layout, port));
  } finally {
    await state.end();
  }
} finally {
  await cleanUp();
}
const uptimeAfter = execFileSync("uptime", { encoding: "utf8" }).trim();
await mkdir(RESULTS, { recursive: true });
// One file for all sizes: a run replaces the earlier one of the same size and layout, keeps the others.
const resultsFile = join(RESULTS, "thousand.json");
const earlier = existsSync(resultsFile)
  ? ((JSON.parse(await readFile(resultsFile, "utf8")) as { runs?: { tables: number; layout: string }[] })
      .runs ?? [])
  : [];
const runs = [
  ...earlier.filter((r) => !results.some((n) => n.tables === r.tables && n.layout === r.layout)),
  ...results.map((r) => ({
    measuredAt: new Date().toISOString(),
    settings,
    uptimeBefore,
    uptimeAfter,
    seedSeconds: round(seedSeconds),
    ...r,
  })),
].sort((a, b) => a.tables - b.tables || a.layout.localeCompare(b.layout));
await writeFile(resultsFile, `${JSON.stringify({ runs }, null, 2)}\n`);
say(`==> wrote bench/results/thousand.json; ${uptimeAfter}`);
