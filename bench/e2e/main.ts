/**
 * End-to-end benchmark: the demo data set in its own MariaDB database, loaded by the raw limits (mysql2 read,
 * psql COPY + MERGE), by smelter (executors in-process, then through Airflow) and by dlt, initial load and a
 * 1%-changed incremental run each, on this machine in one run; with the stack's Spark up (and no --skip-spark) the
 * same on Delta Lake (bench/e2e/delta.ts). Writes bench/results/summary.{json,md}. Measures, never asserts.
 * Started by bench/run, which brings the stack up first.
 * Through Airflow the pipeline runs in both task layouts (`airflow.layout: step`, a task per step, and `table`, a
 * task per table), each its own pipeline and warehouse database: a first load each, then `--airflow-rounds`
 * rounds (default 3) of a 1% change run by both, alternating which goes first; the median round is reported.
 *   node --import tsx bench/e2e/main.ts [--scale N] [--skip-airflow] [--skip-dlt] [--skip-spark]
 *     [--airflow-rounds N]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { withStackEnv } from "../../src/demo/settings.ts";
import { loadPipeline } from "../../src/registry.ts";
import { migrate } from "../../src/state/migrate.ts";
import { time } from "../lib/measure.ts";
import { ensureDatabase } from "../lib/postgres.ts";
import { type AirflowResult, airflowRun, airflowSettings, publishBench } from "./airflow.ts";
import { type DeltaPhase, type DeltaSettings, deltaPhase, resetDelta } from "./delta.ts";
import { deltaRows, renderDelta } from "./delta-report.ts";
import { type DltResult, type DltSettings, resetDlt, runDlt } from "./dlt.ts";
import { copyMerge, resetRawTargets } from "./raw.ts";
import { renderMarkdown, summarize } from "./report.ts";
import { resetSmelter, runStages, type StageResult } from "./smelter.ts";
import {
  benchSourceUrl,
  changeOnePercent,
  countRows,
  exportCsv,
  maxCursor,
  rawRead,
  seedBench,
  TABLES,
} from "./source.ts";
import { DELTA_EXAMPLE, writeBenchSpec } from "./spec.ts";

/** Default scale: 6.25 × the demo's 320k rows ≈ 2M rows. */
const DEFAULT_SCALE = 6.25;
const PIPELINE = "bench_social";
/** The same pipeline with `airflow.layout: table`, through Airflow only. */
const TABLE_PIPELINE = "bench_social_table";

function flag(name: string): boolean {
  return process.argv.includes(name);
}
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const env = withStackEnv(process.env);
const scale = Number(option("--scale") ?? env.BENCH_SCALE ?? DEFAULT_SCALE);
const skipAirflow = flag("--skip-airflow");
const skipDlt = flag("--skip-dlt") || !env.BENCH_DLT_PYTHON;
const skipSpark = flag("--skip-spark") || !env.SMELTER_SPARK_HOST;
const airflowRounds = Math.max(1, Number(option("--airflow-rounds") ?? 3));
const work = env.BENCH_WORK_DIR ?? "/var/tmp/smelter-bench";
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));
const pgBase = (env.SMELTER_PG_URL ?? "postgres://smelter:smelter@127.0.0.1:15432").replace(/\/$/, "");
const adminUrl = `${pgBase}/postgres`;
const stateUrl = env.SMELTER_STATE_URL ?? `${pgBase}/smelter`;
const sourceUrl = benchSourceUrl(env, "bench_social");
const warehouseDatabase = "bench_warehouse";
const landingDir = join(work, "landing");
const say = (line: string) => console.log(line);

await mkdir(work, { recursive: true });
say(`==> seeding MariaDB bench_social at scale ${scale}`);
await seedBench(sourceUrl, scale, (m) => say(`    ${m}`));
const sourceRows = await countRows(sourceUrl);
const totalRows = Object.values(sourceRows).reduce((a, b) => a + b, 0);
say(`    ${totalRows.toLocaleString("en-US")} rows: ${JSON.stringify(sourceRows)}`);

const state = new pg.Client({ connectionString: stateUrl });
await state.connect();
await migrate(state);
await state.end();
const specFile = join(work, `${PIPELINE}.yaml`);
const specText = await writeBenchSpec(specFile, {
  name: PIPELINE,
  sourceDatabase: "bench_social",
  warehouseDatabase,
  landingDir,
});
const loaded = await loadPipeline(specFile);
const tableNames = loaded.spec.tables.map((t) => t.name);
const models = loaded.spec.silver.map((m) => m.name);
const smelterEnv = { ...env, SMELTER_STATE_URL: stateUrl };
const dlt: DltSettings = {
  python: env.BENCH_DLT_PYTHON ?? "",
  sourceUrl,
  adminUrl,
  destinationUrl: `${pgBase}/bench_dlt`,
  database: "bench_dlt",
  pipelinesDir: join(work, "dlt"),
};

/** Everything one phase (initial or incremental) measured. */
export interface PhaseResult {
  rows: number;
  rawRead: { rows: number; seconds: number };
  rawCopyMerge: { rows: number; seconds: number; tables: Record<string, number> };
  smelter: StageResult[];
  dlt: DltResult | null;
  /** The DAG run with a task per step, and with a task per table (`layout: table`). */
  airflow: AirflowResult | null;
  airflowTable: AirflowResult | null;
}

async function rawPhase(after: string | null): Promise<Pick<PhaseResult, "rawRead" | "rawCopyMerge">> {
  const [readSeconds, counts] = await time(() => rawRead(sourceUrl, after));
  const rows = Object.values(counts).reduce((a, b) => a + b, 0);
  say(`    raw mysql2 read: ${rows} rows in ${readSeconds.toFixed(2)} s`);
  const csv = (table: string) => join(work, `raw-${table}.csv`);
  const columns = await exportCsv(sourceUrl, after, csv);
  if (after === null) resetRawTargets(`${pgBase}/bench_raw`);
  const tables = copyMerge(`${pgBase}/bench_raw`, csv, columns);
  const seconds = Object.values(tables).reduce((a, b) => a + b, 0);
  say(`    raw psql COPY+MERGE: ${rows} rows in ${seconds.toFixed(2)} s`);
  return { rawRead: { rows, seconds: readSeconds }, rawCopyMerge: { rows, seconds, tables } };
}

async function phase(name: string, after: string | null): Promise<PhaseResult> {
  say(`==> ${name}: raw limits`);
  const raw = await rawPhase(after);
  say(`==> ${name}: smelter executors in-process`);
  if (after === null) {
    await resetSmelter({ stateUrl, adminUrl, pipeline: PIPELINE, warehouseDatabase, landingDir });
  }
  const smelter = await runStages(specFile, tableNames, models, smelterEnv);
  for (const s of smelter) {
    say(
      s.error
        ? `    ${s.step} failed: ${s.error}`
        : `    ${s.step}: ${s.rows} rows in ${s.seconds.toFixed(2)} s, peak RSS ${s.maxRssMb} MB`,
    );
  }
  let dltResult: DltResult | null = null;
  if (!skipDlt) {
    say(`==> ${name}: dlt`);
    if (after === null) await resetDlt(dlt);
    dltResult = await runDlt(dlt, "dlt");
    say(
      `    dlt: ${dltResult.rows} rows in ${dltResult.seconds.toFixed(2)} s, peak RSS ${dltResult.maxRssMb} MB`,
    );
  }
  return { rows: raw.rawRead.rows, ...raw, smelter, dlt: dltResult, airflow: null, airflowTable: null };
}

let delta: DeltaSettings | null = null;
if (!skipSpark) {
  const deltaSpec = join(work, `${PIPELINE}_delta.yaml`);
  await writeBenchSpec(deltaSpec, {
    name: `${PIPELINE}_delta`,
    sourceDatabase: "bench_social",
    landingDir: join(work, "landing-delta"),
    example: DELTA_EXAMPLE,
  });
  const pipeline = await loadPipeline(deltaSpec);
  await resetDelta(pipeline, smelterEnv, stateUrl);
  delta = {
    pipeline,
    specFile: deltaSpec,
    env: smelterEnv,
    dlt: skipDlt
      ? null
      : { ...dlt, pipelinesDir: join(work, "dlt-delta"), delta: { dir: join(work, "dlt-delta-tables") } },
  };
}

async function deltaRound(name: string, initialRound: boolean): Promise<DeltaPhase | null> {
  if (!delta) return null;
  say(`==> ${name}: Delta Lake on Spark (smelter executors, raw Spark MERGE, dlt)`);
  return deltaPhase(delta, initialRound, say);
}

let round = Math.floor(Date.now() / 1000);
await ensureDatabase(adminUrl, "bench_raw");
const initial = await phase("initial load", null);
const deltaInitial = await deltaRound("initial load", true);
const before = await maxCursor(sourceUrl);
say(`==> changing 1% of the rows: ${JSON.stringify(await changeOnePercent(sourceUrl, round++))}`);
const incremental = await phase("incremental run", before);
const deltaIncremental = await deltaRound("incremental run", false);

/** The DAG run of the median duration (the upper one of two). */
function medianRun(runs: AirflowResult[]): AirflowResult {
  const sorted = [...runs].sort((a, b) => a.runSeconds - b.runSeconds);
  return sorted[Math.floor(sorted.length / 2)] as AirflowResult;
}

const airflowRoundsMeasured: { round: number; rows: number; step: number; table: number; first: string }[] =
  [];
if (!skipAirflow) {
  const settings = airflowSettings(env, stateUrl);
  const tableSpecFile = join(work, `${TABLE_PIPELINE}.yaml`);
  const layouts = [
    { layout: "step", pipeline: PIPELINE, warehouseDatabase, landingDir, text: specText, hash: loaded.hash },
    {
      layout: "table",
      pipeline: TABLE_PIPELINE,
      warehouseDatabase: `${warehouseDatabase}_table`,
      landingDir: join(work, "landing-table"),
      text: await writeBenchSpec(tableSpecFile, {
        name: TABLE_PIPELINE,
        sourceDatabase: "bench_social",
        warehouseDatabase: `${warehouseDatabase}_table`,
        landingDir: join(work, "landing-table"),
        layout: "table",
      }),
      hash: (await loadPipeline(tableSpecFile)).hash,
    },
  ] as const;
  for (const l of layouts) {
    say(`==> through Airflow, layout: ${l.layout}: initial load`);
    await resetSmelter({ stateUrl, adminUrl, ...l });
    await publishBench(settings, l.pipeline, l.text, l.hash);
    const result = await airflowRun(settings, l.pipeline, say);
    if (l.layout === "step") initial.airflow = result;
    else initial.airflowTable = result;
  }
  const runs: Record<"step" | "table", AirflowResult[]> = { step: [], table: [] };
  for (let r = 0; r < airflowRounds; r++) {
    const changed = await changeOnePercent(sourceUrl, round++);
    const rows = Object.values(changed).reduce((a, b) => a + b, 0);
    say(`==> changing 1% of the rows: ${JSON.stringify(changed)}`);
    const order = r % 2 === 0 ? layouts : [...layouts].reverse();
    for (const l of order) {
      say(`==> through Airflow, layout: ${l.layout}: incremental run ${r + 1} of ${airflowRounds}`);
      runs[l.layout].push({ ...(await airflowRun(settings, l.pipeline, say)), rows });
    }
    airflowRoundsMeasured.push({
      round: r + 1,
      rows,
      step: runs.step[r]!.runSeconds,
      table: runs.table[r]!.runSeconds,
      first: order[0].layout,
    });
  }
  incremental.airflow = medianRun(runs.step);
  incremental.airflowTable = medianRun(runs.table);
}

const summary = summarize({
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  scale,
  sourceRows,
  tables: TABLES.map((t) => t.name),
  initial,
  incremental,
});
const deltaTable = [
  ...(deltaInitial ? deltaRows("initial", deltaInitial) : []),
  ...(deltaIncremental ? deltaRows("incremental", deltaIncremental) : []),
];
await mkdir(resultsDir, { recursive: true });
await writeFile(
  join(resultsDir, "summary.json"),
  `${JSON.stringify({ ...summary, airflowRounds: airflowRoundsMeasured, delta: { rows: deltaTable, initial: deltaInitial, incremental: deltaIncremental } }, null, 2)}\n`,
);
const markdown = [renderMarkdown(summary), ...(deltaTable.length ? renderDelta(deltaTable) : [])].join("\n");
await writeFile(join(resultsDir, "summary.md"), markdown);
say("");
say(markdown);
