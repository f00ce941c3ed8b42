/**
 * Task layouts through Airflow: the same small pipeline (examples/social.yaml on a small demo data set) published
 * twice, once with a task per step (`airflow.layout: step`) and once with a task per table (`layout: table`), and
 * run side by side: a first run each, then rounds of a 1% change followed by an incremental run of each layout
 * (which goes first alternates). Reports per layout the median incremental run's wall time (trigger → seen
 * finished) and Airflow's DAG run time, the tasks per run, and the overhead per task (Airflow's task duration
 * minus the service's execution time for it). Measures, never asserts.
 *   node --import tsx bench/layout/run.ts [--scale 0.05] [--rounds 5]
 * Needs the stack and the service (scripts/stack up; scripts/stack up service); results go to
 * bench/results/layout.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import YAML from "yaml";
import { AirflowClient } from "../../src/airflow/client.ts";
import { followRun } from "../../src/demo/follow.ts";
import { DemoService } from "../../src/demo/service.ts";
import { withStackEnv } from "../../src/demo/settings.ts";
import { benchSourceUrl, changeOnePercent, seedBench } from "../e2e/source.ts";
import { writeBenchSpec } from "../e2e/spec.ts";
import { ensureDatabase } from "../lib/postgres.ts";

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const env = withStackEnv(process.env);
const scale = Number(option("--scale") ?? 0.05);
const rounds = Number(option("--rounds") ?? 5);
const work = env.BENCH_WORK_DIR ?? "/var/tmp/smelter-bench-layout";
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));
const pgBase = (env.SMELTER_PG_URL ?? "postgres://smelter:smelter@127.0.0.1:15432").replace(/\/$/, "");
const stateUrl = env.SMELTER_STATE_URL ?? `${pgBase}/smelter`;
const sourceDatabase = "bench_layout";
const sourceUrl = benchSourceUrl(env, sourceDatabase);
const warehouseDatabase = "bench_layout_warehouse";
const LAYOUTS = ["step", "table"] as const;
type Layout = (typeof LAYOUTS)[number];
const pipelineOf = (layout: Layout) => `bench_layout_${layout}`;
const say = (line: string) => console.log(line);

const service = new DemoService(
  env.SMELTER_SERVICE_URL ?? "http://127.0.0.1:18300",
  env.SMELTER_API_TOKEN ?? "",
);
const airflowUrl = env.SMELTER_AIRFLOW_URL ?? "http://127.0.0.1:18080";
const airflow = new AirflowClient({
  url: airflowUrl,
  user: env.SMELTER_AIRFLOW_USER ?? "admin",
  password: env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
});

/** One DAG run of one layout. */
interface RunTiming {
  layout: Layout;
  state: string;
  /** Trigger → finished as the bench saw it (scheduling and polling included). */
  wallSeconds: number;
  /** Airflow's DAG run start → end. */
  runSeconds: number;
  tasks: number;
  /** Airflow task duration − the service's execution time of the task's execution, per task. */
  overheadSeconds: number[];
  /** Time the steps themselves took in the service (each step's execution), summed. */
  stepSeconds: number;
}

const seconds = (from: Date | string | null | undefined, to: Date | string | null | undefined): number =>
  from && to ? (new Date(to).getTime() - new Date(from).getTime()) / 1000 : Number.NaN;

async function publish(layout: Layout): Promise<void> {
  const name = pipelineOf(layout);
  const file = join(work, `${name}.yaml`);
  await writeBenchSpec(file, {
    name,
    sourceDatabase,
    warehouseDatabase,
    landingDir: join(work, "landing"),
  });
  const { readFile } = await import("node:fs/promises");
  const doc = YAML.parseDocument(await readFile(file, "utf8"));
  doc.setIn(["airflow", "layout"], layout);
  doc.setIn(["airflow", "assets"], false);
  doc.setIn(["airflow", "granularity"], "table");
  const text = doc.toString();
  await writeFile(file, text);
  await service.ensurePipeline(name, text, String(text.length));
  await service.publish(name);
}

async function run(layout: Layout): Promise<RunTiming> {
  const name = pipelineOf(layout);
  const started = performance.now();
  const triggered = await service.trigger(name);
  const followed = await followRun(airflow, airflowUrl, triggered.dagId, triggered.runId, {
    timeoutMs: 1_800_000,
    pollMs: 250,
    write: () => {},
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const dagRun = await airflow.getRun(triggered.dagId, triggered.runId);
  const state = new pg.Client({ connectionString: stateUrl });
  await state.connect();
  try {
    const { rows } = await state.query<{
      task_id: string;
      try_number: number;
      parent_id: string | null;
      started_at: Date | null;
      finished_at: Date | null;
    }>(
      `SELECT airflow->>'task_id' AS task_id, (airflow->>'try_number')::int AS try_number, parent_id,
              started_at, finished_at
         FROM smelter.executions WHERE airflow->>'dag_id' = $1 AND airflow->>'run_id' = $2`,
      [triggered.dagId, triggered.runId],
    );
    // The execution a task followed is the one without a parent (a chain's steps name the chain as parent).
    const overheadSeconds = followed.tasks.map((ti) => {
      const ex = rows.find(
        (r) => r.task_id === ti.task_id && r.parent_id === null && r.try_number === ti.try_number,
      );
      return seconds(ti.start_date, ti.end_date) - seconds(ex?.started_at, ex?.finished_at);
    });
    const steps = rows.filter((r) => (layout === "table" ? r.parent_id !== null : true));
    return {
      layout,
      state: followed.state,
      wallSeconds,
      runSeconds: seconds(dagRun.start_date, dagRun.end_date),
      tasks: followed.tasks.length,
      overheadSeconds,
      stepSeconds: steps.reduce((sum, r) => sum + seconds(r.started_at, r.finished_at), 0),
    };
  } finally {
    await state.end();
  }
}

const median = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mean = (values: number[]): number => {
  const finite = values.filter(Number.isFinite);
  return finite.reduce((a, b) => a + b, 0) / finite.length;
};
const fmt = (n: number) => n.toFixed(2);

await mkdir(work, { recursive: true });
await mkdir(resultsDir, { recursive: true });
say(`==> seeding MariaDB ${sourceDatabase} at scale ${scale}`);
await seedBench(sourceUrl, scale, (m) => say(`    ${m}`));
await ensureDatabase(`${pgBase}/postgres`, warehouseDatabase);
for (const layout of LAYOUTS) {
  say(`==> publishing ${pipelineOf(layout)} (layout: ${layout})`);
  await publish(layout);
}
const initial: RunTiming[] = [];
for (const layout of LAYOUTS) {
  const t = await run(layout);
  initial.push(t);
  say(`    first run, layout ${layout}: ${t.state}, ${fmt(t.wallSeconds)} s wall, ${t.tasks} tasks`);
}
const incremental: RunTiming[] = [];
for (let round = 1; round <= rounds; round++) {
  const changed = await changeOnePercent(sourceUrl, round);
  say(`==> round ${round}: changed ${JSON.stringify(changed)}`);
  const order = round % 2 ? LAYOUTS : [...LAYOUTS].reverse();
  for (const layout of order) {
    const t = await run(layout);
    incremental.push(t);
    say(
      `    layout ${layout}: ${t.state}, wall ${fmt(t.wallSeconds)} s, DAG run ${fmt(t.runSeconds)} s, ` +
        `${t.tasks} tasks, overhead per task ${fmt(mean(t.overheadSeconds))} s, steps ${fmt(t.stepSeconds)} s`,
    );
  }
}

/** The incremental runs of one layout, summarized. */
function summarize(layout: Layout) {
  const runs = incremental.filter((t) => t.layout === layout);
  const overheads = runs.flatMap((t) => t.overheadSeconds);
  return {
    runs: runs.length,
    failed: runs.filter((t) => t.state !== "success").length,
    tasks: runs[0]?.tasks ?? 0,
    wallSeconds: median(runs.map((t) => t.wallSeconds)),
    runSeconds: median(runs.map((t) => t.runSeconds)),
    overheadPerTaskSeconds: mean(overheads),
    overheadMaxSeconds: Math.max(...overheads.filter(Number.isFinite)),
    overheadPerRunSeconds: median(runs.map((t) => t.overheadSeconds.reduce((a, b) => a + b, 0))),
    stepSeconds: median(runs.map((t) => t.stepSeconds)),
  };
}
const summary = { step: summarize("step"), table: summarize("table") };
const ratio = summary.step.wallSeconds / summary.table.wallSeconds;
say(
  "\n| layout | tasks | incremental wall s (median) | DAG run s | overhead per task s (mean / max) | steps s |",
);
say("|---|---|---|---|---|---|");
for (const layout of LAYOUTS) {
  const s = summary[layout];
  say(
    `| ${layout} | ${s.tasks} | ${fmt(s.wallSeconds)} | ${fmt(s.runSeconds)} | ${fmt(s.overheadPerTaskSeconds)} / ${fmt(s.overheadMaxSeconds)} | ${fmt(s.stepSeconds)} |`,
  );
}
say(`\nlayout table is ${fmt(ratio)}x the speed of layout step (incremental wall time, median of ${rounds})`);
await writeFile(
  join(resultsDir, "layout.json"),
  `${JSON.stringify({ scale, rounds, summary, ratio, initial, incremental }, null, 2)}\n`,
);
