import type { AirflowResult } from "./airflow.ts";
import type { DltResult } from "./dlt.ts";
import { failedStage, type StageResult } from "./smelter.ts";

/** Turns what the bench measured into rows with ratios and targets, and renders them as markdown. */

interface PhaseInput {
  rows: number;
  rawRead: { rows: number; seconds: number };
  rawCopyMerge: { rows: number; seconds: number; tables: Record<string, number> };
  smelter: StageResult[];
  dlt: DltResult | null;
  airflow: AirflowResult | null;
  airflowTable: AirflowResult | null;
}

export interface SummaryInput {
  measuredAt: string;
  machine: Record<string, unknown>;
  scale: number;
  sourceRows: Record<string, number>;
  tables: string[];
  initial: PhaseInput;
  incremental: PhaseInput;
}

/** One line of the results table. Ratios are throughput ratios (rows/s ÷ rows/s): above 1 is faster. */
export interface ResultRow {
  phase: "initial" | "incremental";
  name: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  maxRssMb: number | null;
  vsRaw: number | null;
  vsDlt: number | null;
  target: string | null;
  met: boolean | null;
  /** How far off a missed target is, e.g. "needs 2.10x the throughput". */
  missedBy: string | null;
  /** Why there is no number: the step failed or did not run. */
  error?: string;
}

export interface Summary extends Omit<SummaryInput, "initial" | "incremental"> {
  rows: ResultRow[];
  overhead: Record<string, { tasks: number; meanSeconds: number; maxSeconds: number; met: boolean } | null>;
  /** Per missed target: where its time went (per table seconds and the executors' phase log lines). */
  profiles: { row: string; phase: string; detail: string[] }[];
  raw: { initial: PhaseInput; incremental: PhaseInput };
}

const rate = (rows: number, seconds: number) => (seconds > 0 ? rows / seconds : 0);

function row(
  phase: ResultRow["phase"],
  name: string,
  rows: number,
  seconds: number,
  maxRssMb: number | null,
  raw: number | null,
  dlt: number | null,
  target?: { against: "raw" | "dlt"; ratio: number; text: string },
): ResultRow {
  const rps = rate(rows, seconds);
  const measured = Number.isFinite(seconds);
  const vsRaw = raw && measured ? rps / raw : null;
  const vsDlt = dlt && measured ? rps / dlt : null;
  const actual = target ? (target.against === "raw" ? vsRaw : vsDlt) : null;
  const met = target && actual !== null ? actual >= target.ratio : null;
  return {
    phase,
    name,
    rows,
    seconds,
    rowsPerSecond: Math.round(rps),
    maxRssMb,
    vsRaw,
    vsDlt,
    target: target?.text ?? null,
    met,
    missedBy: met === false && actual ? `needs ${(target!.ratio / actual).toFixed(2)}x the throughput` : null,
  };
}

function phaseRows(phase: ResultRow["phase"], p: PhaseInput): ResultRow[] {
  const stage = (step: StageResult["step"]) =>
    p.smelter.find((s) => s.step === step) ?? failedStage(step, "not run: an earlier step failed");
  const [extract, bronze, silver] = [stage("extract"), stage("bronze"), stage("silver")];
  const rawRead = rate(p.rawRead.rows, p.rawRead.seconds);
  const rawLoad = rate(p.rawCopyMerge.rows, p.rawCopyMerge.seconds);
  const rawE2e = rate(p.rows, p.rawRead.seconds + p.rawCopyMerge.seconds);
  const dlt = p.dlt ? rate(p.dlt.rows, p.dlt.seconds) : null;
  const vsDltTarget = phase === "initial" ? 1.5 : 3;
  const dltTarget = { against: "dlt" as const, ratio: vsDltTarget, text: `≥ ${vsDltTarget}x dlt` };
  const rawTarget = { against: "raw" as const, ratio: 1 / 1.5, text: "within 1.5x of raw" };
  const rss = (...s: StageResult[]) => Math.max(...s.map((x) => x.maxRssMb));
  const rows: ResultRow[] = [
    row(phase, "raw: mysql2 streaming read", p.rawRead.rows, p.rawRead.seconds, null, rawRead, dlt),
    row(phase, "raw: psql COPY + MERGE", p.rawCopyMerge.rows, p.rawCopyMerge.seconds, null, rawLoad, dlt),
    row(
      phase,
      "raw: read + COPY + MERGE",
      p.rows,
      p.rawRead.seconds + p.rawCopyMerge.seconds,
      null,
      rawE2e,
      dlt,
    ),
    row(
      phase,
      "smelter extract (+ land)",
      extract.rows,
      extract.seconds,
      extract.maxRssMb,
      rawRead,
      dlt,
      rawTarget,
    ),
    row(phase, "smelter bronze", bronze.rows, bronze.seconds, bronze.maxRssMb, rawLoad, dlt, rawTarget),
    row(phase, "smelter silver", silver.rows, silver.seconds, silver.maxRssMb, rawLoad, dlt, rawTarget),
    row(
      phase,
      "smelter extract + bronze (executors)",
      p.rows,
      extract.seconds + bronze.seconds,
      rss(extract, bronze),
      rawE2e,
      dlt,
      dltTarget,
    ),
    row(
      phase,
      "smelter extract + bronze + silver (executors)",
      p.rows,
      extract.seconds + bronze.seconds + silver.seconds,
      rss(extract, bronze, silver),
      rawE2e,
      dlt,
    ),
  ];
  // Through Airflow: the initial DAG run ≥ 2.5x dlt, the incremental ≥ 1.5x (scheduling included).
  const airflowRatio = phase === "initial" ? 2.5 : 1.5;
  const airflowTarget = { against: "dlt" as const, ratio: airflowRatio, text: `≥ ${airflowRatio}x dlt` };
  for (const [name, run] of [
    ["smelter through Airflow (DAG run)", p.airflow],
    ["smelter through Airflow, layout: table (DAG run)", p.airflowTable],
  ] as const) {
    if (run)
      rows.push(row(phase, name, run.rows ?? p.rows, run.runSeconds, null, rawE2e, dlt, airflowTarget));
  }
  const failure = [extract, bronze, silver].find((s) => s.error)?.error;
  for (const r of rows) if (!Number.isFinite(r.seconds) && failure) r.error = failure;
  // A target beyond what the raw limits reach against dlt cannot be met by any loader that reads and merges.
  const ceiling = dlt ? rawE2e / dlt : null;
  for (const r of rows) {
    const wanted = r.name.includes("Airflow") ? airflowRatio : vsDltTarget;
    if (
      r.missedBy &&
      r.name.includes("smelter") &&
      r.vsDlt !== null &&
      ceiling !== null &&
      ceiling < wanted
    ) {
      r.missedBy += `; beyond the raw limits, whose read + COPY + MERGE is ${ceiling.toFixed(2)}x dlt`;
    }
  }
  if (p.dlt)
    rows.push(
      row(
        phase,
        "dlt (sql_database, pyarrow, merge)",
        p.dlt.rows,
        p.dlt.seconds,
        p.dlt.maxRssMb,
        rawE2e,
        dlt,
      ),
    );
  return rows;
}

function overhead(run: AirflowResult | null): Summary["overhead"][string] {
  const tasks = run?.tasks.filter((t) => Number.isFinite(t.overheadSeconds)) ?? [];
  if (tasks.length === 0) return null;
  const values = tasks.map((t) => t.overheadSeconds);
  const max = Math.max(...values);
  return {
    tasks: tasks.length,
    meanSeconds: values.reduce((a, b) => a + b, 0) / values.length,
    maxSeconds: max,
    met: max < 1,
  };
}

/** Where the time of a missed stage went: its tables by time, each with the executor's own log lines. */
function profile(stage: StageResult): string[] {
  return Object.entries(stage.tables)
    .sort((a, b) => b[1].seconds - a[1].seconds)
    .flatMap(([name, t]) => [
      `${stage.step} ${name}: ${t.seconds.toFixed(2)} s`,
      ...t.log.slice(0, 20).map((l) => `    ${l}`),
    ]);
}

export function summarize(input: SummaryInput): Summary {
  const rows = [...phaseRows("initial", input.initial), ...phaseRows("incremental", input.incremental)];
  const profiles: Summary["profiles"] = [];
  for (const r of rows.filter((x) => x.met === false)) {
    const p = input[r.phase];
    const steps = r.name.includes("extract (")
      ? ["extract"]
      : r.name.includes("bronze") && !r.name.includes("extract")
        ? ["bronze"]
        : r.name.includes("silver") && !r.name.includes("extract")
          ? ["silver"]
          : [];
    const detail = steps.flatMap((s) => profile(p.smelter.find((x) => x.step === s) as StageResult));
    const run = r.name.includes("layout: table") ? p.airflowTable : p.airflow;
    if (r.name.includes("Airflow") && run) {
      detail.push(
        ...run.tasks.map(
          (t) =>
            `${t.task}: Airflow ${t.airflowSeconds.toFixed(2)} s, executor ${t.executorSeconds.toFixed(2)} s, service queue ${t.queuedSeconds.toFixed(2)} s`,
        ),
      );
    }
    if (r.name.includes("executors") && p.dlt) {
      detail.push(
        `dlt phases: ${Object.entries(p.dlt.phases)
          .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
          .join(", ")}`,
      );
      detail.push(...p.smelter.map((s) => `smelter ${s.step}: ${s.seconds.toFixed(2)} s`));
    }
    profiles.push({ row: r.name, phase: r.phase, detail });
  }
  const { initial, incremental, ...rest } = input;
  return {
    ...rest,
    rows,
    overhead: {
      initial: overhead(initial.airflow),
      incremental: overhead(incremental.airflow),
      "initial, layout: table": overhead(initial.airflowTable),
      "incremental, layout: table": overhead(incremental.airflowTable),
    },
    profiles,
    raw: { initial, incremental },
  };
}

const fmt = (n: number | null, digits = 2) => (n === null || !Number.isFinite(n) ? "—" : n.toFixed(digits));
const num = (n: number) => n.toLocaleString("en-US");

export function renderMarkdown(s: Summary): string {
  const lines = [
    `# Benchmark results (${s.measuredAt})`,
    "",
    `Machine: ${JSON.stringify(s.machine)}. Scale ${s.scale}: ${num(Object.values(s.sourceRows).reduce((a, b) => a + b, 0))} source rows (${Object.entries(
      s.sourceRows,
    )
      .map(([t, n]) => `${t} ${num(n)}`)
      .join(", ")}).`,
    "Ratios are throughput ratios (rows/s ÷ rows/s of the raw limit or of dlt in the same run): above 1 is faster.",
    "",
    "| phase | stage | rows | wall s | rows/s | peak RSS MB | vs raw | vs dlt | target | met? |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const r of s.rows) {
    const met = r.error
      ? `failed: ${r.error.replaceAll("|", "\\|")}`
      : r.met === null
        ? ""
        : r.met
          ? "yes"
          : `**no**: ${r.missedBy}`;
    lines.push(
      `| ${r.phase} | ${r.name} | ${num(r.rows)} | ${fmt(r.seconds)} | ${num(r.rowsPerSecond)} | ${r.maxRssMb ?? "—"} | ${fmt(r.vsRaw)} | ${fmt(r.vsDlt)} | ${r.target ?? ""} | ${met} |`,
    );
  }
  lines.push(
    "",
    "## Orchestration overhead per task (Airflow task duration − the service's execution time)",
    "",
  );
  for (const [phase, o] of Object.entries(s.overhead)) {
    lines.push(
      o
        ? `- ${phase}: ${o.tasks} tasks, mean ${o.meanSeconds.toFixed(2)} s, max ${o.maxSeconds.toFixed(2)} s — target < 1 s per task: ${o.met ? "met" : `**missed** by ${(o.maxSeconds - 1).toFixed(2)} s (worst task)`}`
        : `- ${phase}: not measured (--skip-airflow or no service)`,
    );
  }
  for (const [phase, a] of (["initial", "incremental"] as const).flatMap((phase) => [
    [phase, s.raw[phase].airflow] as const,
    [`${phase}, layout: table`, s.raw[phase].airflowTable] as const,
  ])) {
    if (!a) continue;
    lines.push("", `### ${phase}: ${a.dagId} run ${a.runId} (${a.state}, ${a.runSeconds.toFixed(1)} s)`, "");
    lines.push(
      "| task | state (Airflow / service) | rows | Airflow s | executor s | service queue s | overhead s |",
      "|---|---|---:|---:|---:|---:|---:|",
    );
    for (const t of a.tasks) {
      lines.push(
        `| ${t.task} | ${t.state} / ${t.executionStatus} | ${num(t.rows)} | ${fmt(t.airflowSeconds)} | ${fmt(t.executorSeconds)} | ${fmt(t.queuedSeconds)} | ${fmt(t.overheadSeconds)} |`,
      );
    }
  }
  if (s.profiles.length > 0) {
    lines.push("", "## Where the time goes (missed targets)", "");
    for (const p of s.profiles) {
      lines.push(`### ${p.phase}: ${p.row}`, "", "```", ...p.detail, "```", "");
    }
  }
  return `${lines.join("\n")}\n`;
}
