import type { PhaseEvent } from "../../src/trace.ts";

/** Summaries and the markdown report of bench/tiny/run.ts. */

/** One repetition of one step. */
export interface Sample {
  /** Submit → success seen by the long poll, on the client. */
  roundTripMs: number;
  /** The service's own execution time (`duration_ms`: claim to result, locks and executor included). */
  executionMs: number;
  /** The same kind of statements and S3 requests, by hand, on warm connections. */
  baselineMs: number;
  /** The baseline's object store requests alone (0 with a local landing zone). */
  objectStoreMs: number;
  rows: number;
  phases: PhaseEvent[];
}

/** The target of issue 21: a tiny execution's fixed cost inside the service. */
export const TARGET_MS = 50;

/** Phases the worker runs after `duration_ms` was taken (part of the round trip, not of the execution). */
const AFTER_EXECUTION = new Set(["service: flush log", "service: record outcome"]);

export interface Stat {
  median: number;
  p95: number;
}

export interface StepReport {
  step: string;
  rows: number;
  roundTripMs: Stat;
  executionMs: Stat;
  baselineMs: Stat;
  objectStoreMs: Stat;
  /** Median execution ÷ median baseline. */
  ratio: number;
  target: "met" | "missed";
  /** Per phase, in the order first seen: median and p95 over the repetitions of its summed time. */
  phases: { phase: string; median: number; p95: number }[];
  samples: Sample[];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

const stat = (values: number[]): Stat => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95) });

/**
 * Per phase the time summed within each repetition, then the median and p95 across them; two derived rows:
 * the execution's time no phase covers, and the round trip beyond the execution (HTTP, queue, long poll).
 */
export function summarize(step: string, samples: Sample[]): StepReport {
  const names: string[] = [];
  const perSample = samples.map((s) => {
    const sums = new Map<string, number>();
    for (const e of s.phases) {
      if (!sums.has(e.phase) && !names.includes(e.phase)) names.push(e.phase);
      sums.set(e.phase, (sums.get(e.phase) ?? 0) + e.ms);
    }
    let inside = 0;
    let after = 0;
    for (const [name, ms] of sums) {
      if (AFTER_EXECUTION.has(name)) after += ms;
      else inside += ms;
    }
    sums.set("(execution, in no phase)", Math.max(0, s.executionMs - inside));
    sums.set("(HTTP, queue and long poll)", Math.max(0, s.roundTripMs - s.executionMs - after));
    return sums;
  });
  names.push("(execution, in no phase)", "(HTTP, queue and long poll)");
  const phases = names.map((phase) => ({ phase, ...stat(perSample.map((m) => m.get(phase) ?? 0)) }));
  const executionMs = stat(samples.map((s) => s.executionMs));
  const baselineMs = stat(samples.map((s) => s.baselineMs));
  const objectStoreMs = stat(samples.map((s) => s.objectStoreMs));
  return {
    step,
    rows: quantile(
      samples.map((s) => s.rows),
      0.5,
    ),
    roundTripMs: stat(samples.map((s) => s.roundTripMs)),
    executionMs,
    baselineMs,
    objectStoreMs,
    ratio: executionMs.median / baselineMs.median,
    target: executionMs.median <= TARGET_MS ? "met" : "missed",
    phases,
    samples,
  };
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—");

/** The report as markdown: one summary table, then the phases of each step. */
export function renderReport(steps: StepReport[]): string {
  const lines = [
    `| step | rows | round trip ms (median / p95) | execution ms (median / p95) | baseline ms (of which S3) | execution ÷ baseline | ≤ ${TARGET_MS} ms |`,
    "|---|---:|---:|---:|---:|---:|---|",
    ...steps.map(
      (s) =>
        `| ${s.step} | ${s.rows} | ${ms(s.roundTripMs.median)} / ${ms(s.roundTripMs.p95)} | ${ms(s.executionMs.median)} / ${ms(s.executionMs.p95)} | ${ms(s.baselineMs.median)} (${ms(s.objectStoreMs.median)}) | ${s.ratio.toFixed(1)} | ${s.target} |`,
    ),
  ];
  for (const s of steps) {
    lines.push("", `${s.step}:`, "", "| phase | median ms | p95 ms |", "|---|---:|---:|");
    for (const p of s.phases) lines.push(`| ${p.phase} | ${ms(p.median)} | ${ms(p.p95)} |`);
  }
  return lines.join("\n");
}
