import type { DeltaPhase } from "./delta.ts";

/**
 * The Delta Lake rows of the report: bronze on Delta against the raw Spark MERGE of the same landed parquet
 * (target ≥ 0.8), and smelter's extract + bronze against dlt loading the same tables into Delta (target ≥ 1.5x),
 * initial and 1%-changed incremental. Throughput ratios (rows/s ÷ rows/s), above 1 is faster; measured, not
 * asserted.
 */

export interface DeltaRow {
  phase: "initial" | "incremental";
  name: string;
  rows: number;
  seconds: number;
  ratio: number | null;
  against: string;
  target: number | null;
  error?: string;
}

const rate = (rows: number, seconds: number) =>
  seconds > 0 && Number.isFinite(seconds) ? rows / seconds : 0;

/** The rows of one phase. */
export function deltaRows(phase: DeltaRow["phase"], p: DeltaPhase): DeltaRow[] {
  const step = (name: string) => p.smelter.find((s) => s.step === name);
  const extract = step("extract");
  const bronze = step("bronze");
  const silver = step("silver");
  const raw = rate(p.rawMerge.rows, p.rawMerge.seconds);
  const dlt = p.dlt ? rate(p.dlt.rows, p.dlt.seconds) : 0;
  const failed = p.smelter.find((s) => s.error)?.error;
  const ratio = (rows: number, seconds: number, base: number) =>
    base > 0 && rate(rows, seconds) > 0 ? rate(rows, seconds) / base : null;
  const e2eSeconds = (extract?.seconds ?? Number.NaN) + (bronze?.seconds ?? Number.NaN);
  const rows: DeltaRow[] = [
    {
      phase,
      name: "raw Spark SQL MERGE (same landed parquet)",
      rows: p.rawMerge.rows,
      seconds: p.rawMerge.seconds,
      ratio: null,
      against: "",
      target: null,
    },
    {
      phase,
      name: "smelter bronze on Delta",
      rows: bronze?.rows ?? 0,
      seconds: bronze?.seconds ?? Number.NaN,
      ratio: ratio(bronze?.rows ?? 0, bronze?.seconds ?? Number.NaN, raw),
      against: "raw MERGE",
      target: 0.8,
    },
    {
      phase,
      name: "smelter silver on Delta",
      rows: silver?.rows ?? 0,
      seconds: silver?.seconds ?? Number.NaN,
      ratio: null,
      against: "",
      target: null,
    },
    {
      phase,
      name: "smelter extract + bronze (executors) into Delta",
      rows: extract?.rows ?? 0,
      seconds: e2eSeconds,
      ratio: ratio(extract?.rows ?? 0, e2eSeconds, dlt),
      against: "dlt into Delta",
      target: 1.5,
    },
  ];
  if (p.dlt) {
    rows.push({
      phase,
      name: `dlt ${p.dlt.version} into Delta (upsert)`,
      rows: p.dlt.rows,
      seconds: p.dlt.seconds,
      ratio: null,
      against: "",
      target: null,
    });
  }
  return failed ? rows.map((r) => (r.name.startsWith("smelter") ? { ...r, error: failed } : r)) : rows;
}

const fmt = (n: number | null) => (n === null || !Number.isFinite(n) ? "—" : n.toFixed(2));

/** The Delta section of summary.md. */
export function renderDelta(rows: DeltaRow[]): string[] {
  const lines = [
    "",
    "## Delta Lake on Spark",
    "",
    "| phase | stage | rows | wall s | ratio | against | target | met? |",
    "|---|---|---:|---:|---:|---|---|---|",
  ];
  for (const r of rows) {
    const met = r.error
      ? `failed: ${r.error.replaceAll("|", "\\|")}`
      : r.target === null || r.ratio === null
        ? ""
        : r.ratio >= r.target
          ? "yes"
          : `**no**: needs ${(r.target / r.ratio).toFixed(2)}x`;
    lines.push(
      `| ${r.phase} | ${r.name} | ${r.rows.toLocaleString("en-US")} | ${fmt(r.seconds)} | ${fmt(r.ratio)} | ${r.against} | ${r.target === null ? "" : `≥ ${r.target}`} | ${met} |`,
    );
  }
  return lines;
}
