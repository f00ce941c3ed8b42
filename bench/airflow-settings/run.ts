/**
 * Airflow settings and latency: the bench pipeline (examples/social.yaml on a small demo data set, a task per
 * step: 4 extract, 4 bronze and 3 silver tasks) run through the stack's Airflow restarted with one set of
 * settings after another. Per setting: one run to warm up, then `--rounds` rounds of a 1% change followed by an
 * incremental DAG run; reported per setting: the median DAG run, trigger → first task start, the overhead per
 * task (Airflow's task duration − the service's execution time) and, from the task logs, where a task's time
 * went. The whole list is measured `--passes` times in turn (default 2), so that a drift of the machine's load
 * touches every setting. Measures, never asserts.
 *
 * The settings are given to Airflow's processes as AIRFLOW__SECTION__KEY variables over the stack's
 * airflow.cfg; at the end (or on failure) Airflow is restarted with the stack's own settings.
 *   node --import tsx bench/airflow-settings/run.ts [--scale 0.05] [--rounds 3] [--passes 2]
 *     [--settings stack,airflow-defaults,...]
 * Needs the stack and the service (scripts/stack up; scripts/stack up service); results go to
 * bench/results/airflow-settings.json.
 */
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withStackEnv } from "../../src/demo/settings.ts";
import { loadPipeline } from "../../src/registry.ts";
import { type AirflowResult, airflowRun, airflowSettings, publishBench } from "../e2e/airflow.ts";
import { resetSmelter } from "../e2e/smelter.ts";
import { benchSourceUrl, changeOnePercent, seedBench } from "../e2e/source.ts";
import { writeBenchSpec } from "../e2e/spec.ts";
import { ensureDatabase } from "../lib/postgres.ts";
import { type TaskPhases, taskPhases } from "../lib/task-log.ts";

/** One way of setting Airflow up: the variables given to every Airflow process over the stack's airflow.cfg. */
interface Setting {
  name: string;
  what: string;
  env: Record<string, string>;
}

/** The settings a run's latency depends on, each measured against the stack's (scripts/lib/airflow.sh). */
const SETTINGS: Setting[] = [
  { name: "stack", what: "the local stack's settings (scripts/lib/airflow.sh)", env: {} },
  {
    name: "airflow-defaults",
    what: "Airflow's defaults for the keys the stack sets: idle sleep 1 s, heartbeat 5 s, parse every 30 s, folder refresh 300 s",
    env: {
      AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME: "1",
      AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL: "5",
      AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: "30",
      AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: "300",
    },
  },
  {
    name: "idle-sleep-0.1",
    what: "[scheduler] scheduler_idle_sleep_time 0.1 (stack: 0.5)",
    env: { AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME: "0.1" },
  },
  {
    name: "parse-every-30s",
    what: "[dag_processor] min_file_process_interval 30 (stack: 5)",
    env: { AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: "30" },
  },
  { name: "api-workers-2", what: "[api] workers 2 (stack: 1)", env: { AIRFLOW__API__WORKERS: "2" } },
];

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const env = withStackEnv(process.env);
const scale = Number(option("--scale") ?? 0.05);
const rounds = Math.max(1, Number(option("--rounds") ?? 3));
const passes = Math.max(1, Number(option("--passes") ?? 2));
const chosen = (option("--settings") ?? SETTINGS.map((s) => s.name).join(",")).split(",");
const settings = chosen.map((name) => {
  const s = SETTINGS.find((x) => x.name === name);
  if (!s) throw new Error(`--settings: unknown "${name}"; known: ${SETTINGS.map((x) => x.name).join(", ")}`);
  return s;
});
const root = fileURLToPath(new URL("../../", import.meta.url));
const work = env.BENCH_WORK_DIR ?? "/var/tmp/smelter-bench-settings";
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));
const pgBase = (env.SMELTER_PG_URL ?? "postgres://smelter:smelter@127.0.0.1:15432").replace(/\/$/, "");
const stateUrl = env.SMELTER_STATE_URL ?? `${pgBase}/smelter`;
const airflowHome = env.SMELTER_AIRFLOW_HOME ?? "/var/tmp/smelter-stack/airflow";
const PIPELINE = "bench_settings";
const sourceUrl = benchSourceUrl(env, PIPELINE);
const warehouseDatabase = `${PIPELINE}_warehouse`;
const landingDir = join(work, "landing");
const say = (line: string) => console.log(line);
const access = airflowSettings(env, stateUrl);

/** Restarts the stack's Airflow with `extra` over its settings (none: the stack's own). */
function restartAirflow(extra: Record<string, string>): void {
  const childEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("AIRFLOW__")),
  ) as NodeJS.ProcessEnv;
  const done = spawnSync("bash", ["scripts/stack", "restart", "airflow"], {
    cwd: root,
    env: { ...childEnv, ...extra },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (done.status !== 0) throw new Error(`scripts/stack restart airflow exited with ${done.status}`);
}

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? (v[Math.floor((v.length - 1) / 2)] as number) : Number.NaN;
};
const mean = (xs: number[]) => {
  const v = xs.filter(Number.isFinite);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
};
const round3 = (n: number) => Math.round(n * 1000) / 1000;

interface Measured {
  setting: string;
  pass: number;
  round: number;
  load: number;
  runSeconds: number;
  wallSeconds: number;
  /** Trigger asked → the first task instance started. */
  toFirstTaskSeconds: number;
  overheadMean: number;
  overheadMax: number;
  /** Medians over the run's tasks of each phase read from the task logs. */
  phases: Partial<Record<keyof TaskPhases, number>>;
}

async function measure(run: AirflowResult): Promise<Omit<Measured, "setting" | "pass" | "round" | "load">> {
  const starts = run.tasks.map((t) => (t.start ? Date.parse(t.start) : Number.NaN)).filter(Number.isFinite);
  const phases = (
    await Promise.all(
      run.tasks.map((t) =>
        taskPhases(
          airflowHome,
          run.dagId,
          run.runId,
          { task_id: t.task, try_number: t.tryNumber, start_date: t.start, end_date: t.end },
          t.executionCreated ?? undefined,
        ),
      ),
    )
  ).filter((p): p is TaskPhases => p !== null);
  const keys = ["startSeconds", "parseSeconds", "requestSeconds", "serviceSeconds", "finishSeconds"] as const;
  const overheads = run.tasks.map((t) => t.overheadSeconds);
  return {
    runSeconds: round3(run.runSeconds),
    wallSeconds: round3(run.wallSeconds),
    toFirstTaskSeconds: round3((Math.min(...starts) - Date.parse(run.triggeredAt)) / 1000),
    overheadMean: round3(mean(overheads)),
    overheadMax: round3(Math.max(...overheads.filter(Number.isFinite))),
    phases: Object.fromEntries(keys.map((k) => [k, round3(median(phases.map((p) => p[k])))])),
  };
}

say(`==> seeding MariaDB ${PIPELINE} at scale ${scale}`);
await seedBench(sourceUrl, scale, (m) => say(`    ${m}`));
await ensureDatabase(`${pgBase}/postgres`, warehouseDatabase);
const specFile = join(work, `${PIPELINE}.yaml`);
await mkdir(work, { recursive: true });
const text = await writeBenchSpec(specFile, {
  name: PIPELINE,
  sourceDatabase: PIPELINE,
  warehouseDatabase,
  landingDir,
});
const { hash } = await loadPipeline(specFile);
await resetSmelter({
  stateUrl,
  adminUrl: `${pgBase}/postgres`,
  pipeline: PIPELINE,
  warehouseDatabase,
  landingDir,
});
await publishBench(access, PIPELINE, text, hash);

const results: Measured[] = [];
let change = Math.floor(Date.now() / 1000);
try {
  for (let pass = 1; pass <= passes; pass++) {
    for (const s of settings) {
      say(`==> pass ${pass}: ${s.name} (${s.what}): restarting Airflow`);
      restartAirflow(s.env);
      await changeOnePercent(sourceUrl, change++);
      const warm = await airflowRun(access, PIPELINE, () => {});
      say(`    warm-up run: ${warm.state}, ${warm.runSeconds.toFixed(2)} s`);
      for (let r = 1; r <= rounds; r++) {
        await changeOnePercent(sourceUrl, change++);
        const load = round3(loadavg()[0] as number);
        const run = await airflowRun(access, PIPELINE, () => {});
        if (run.state !== "success") throw new Error(`${s.name}: DAG run ${run.runId} ended ${run.state}`);
        const m = { setting: s.name, pass, round: r, load, ...(await measure(run)) };
        results.push(m);
        say(
          `    round ${r}: DAG run ${m.runSeconds} s, trigger → first task ${m.toFirstTaskSeconds} s, overhead per task ${m.overheadMean} s (max ${m.overheadMax}), load ${load}`,
        );
      }
    }
  }
} finally {
  say("==> restarting Airflow with the stack's settings");
  restartAirflow({});
}

const summary = settings.map((s) => {
  const mine = results.filter((r) => r.setting === s.name);
  const phase = (k: keyof TaskPhases) => round3(median(mine.map((r) => r.phases[k] ?? Number.NaN)));
  return {
    setting: s.name,
    what: s.what,
    env: s.env,
    runs: mine.length,
    runSeconds: round3(median(mine.map((r) => r.runSeconds))),
    toFirstTaskSeconds: round3(median(mine.map((r) => r.toFirstTaskSeconds))),
    overheadMean: round3(median(mine.map((r) => r.overheadMean))),
    overheadMax: round3(median(mine.map((r) => r.overheadMax))),
    load: round3(mean(mine.map((r) => r.load))),
    phases: {
      start: phase("startSeconds"),
      parse: phase("parseSeconds"),
      request: phase("requestSeconds"),
      service: phase("serviceSeconds"),
      finish: phase("finishSeconds"),
    },
  };
});
await mkdir(resultsDir, { recursive: true });
await writeFile(
  join(resultsDir, "airflow-settings.json"),
  `${JSON.stringify({ measuredAt: new Date().toISOString(), scale, rounds, passes, summary, results }, null, 2)}\n`,
);
say("");
say(
  "| setting | runs | DAG run s | trigger → first task s | overhead per task s (mean / max) | task start / parse / to POST / service / finish s | load |",
);
say("|---|---:|---:|---:|---:|---|---:|");
for (const s of summary) {
  const p = s.phases;
  say(
    `| ${s.setting} | ${s.runs} | ${s.runSeconds} | ${s.toFirstTaskSeconds} | ${s.overheadMean} / ${s.overheadMax} | ${p.start} / ${p.parse} / ${p.request} / ${p.service} / ${p.finish} | ${s.load} |`,
  );
}
