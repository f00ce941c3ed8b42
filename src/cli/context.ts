import { randomBytes } from "node:crypto";
import type { StepLineage } from "../contracts/lineage.ts";
import type { ExecutionContext, StepMetrics } from "../contracts/step.ts";
import { toWireMetrics } from "../runtime/execution-log.ts";
import { reportFailure } from "./format.ts";

/** The context of a step run in this process from the command line (`smelter run`, the operator actions). */
export function cliContext(
  pipeline: ExecutionContext["pipeline"],
  log: ExecutionContext["log"],
  signal: AbortSignal,
  watermarks: ExecutionContext["watermarks"],
): ExecutionContext {
  return {
    executionId: `cli_${randomBytes(6).toString("hex")}`,
    pipeline,
    log,
    signal,
    env: process.env,
    watermarks,
  };
}

/**
 * Runs `work`, a step run in this process from the command line, with a log to stdout and a signal that SIGINT
 * or SIGTERM aborts (the step stops at its next safe point); then `cleanUp`, whatever happened. Prints the
 * metrics at the end, or why it failed (exit code 1).
 */
export async function runInProcess(
  work: (log: ExecutionContext["log"], signal: AbortSignal) => Promise<StepMetrics>,
  cleanUp: () => Promise<void>,
): Promise<void> {
  const out = (level: string) => (message: string) =>
    process.stdout.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  const log = { info: out("info"), warn: out("warn"), error: out("error") };
  const controller = new AbortController();
  const stop = () => {
    log.warn("interrupted: stopping at the next safe point");
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const started = Date.now();
  let metrics: StepMetrics;
  try {
    metrics = await work(log, controller.signal);
  } catch (error) {
    reportFailure(error);
    return;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await cleanUp();
  }
  process.stdout.write("metrics:\n");
  const { lineage, ...counts } = toWireMetrics(metrics, Date.now() - started);
  for (const [key, value] of Object.entries(counts)) {
    process.stdout.write(`  ${key}: ${JSON.stringify(value)}\n`);
  }
  const datasets = lineage as StepLineage | undefined;
  if (datasets) {
    process.stdout.write("datasets:\n");
    for (const d of datasets.inputs) process.stdout.write(`  read ${d.namespace}/${d.name}\n`);
    for (const d of datasets.outputs) {
      process.stdout.write(
        `  wrote ${d.namespace}/${d.name}${d.rows === undefined ? "" : ` (${d.rows} rows)`}\n`,
      );
    }
  }
}
