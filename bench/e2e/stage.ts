/**
 * Child process of the bench: runs one step of the bench pipeline for the given tables (or silver models), one
 * after another, in-process through the executor registry. Log lines go to stderr with the seconds since the
 * table started; the last stdout line is JSON with seconds and metrics per table.
 *   node --import tsx bench/e2e/stage.ts <spec.yaml> <extract|bronze|silver> <name>...
 */

import type { Step } from "../../src/contracts/step.ts";
import { runTask } from "../../src/executors/index.ts";
import { loadPipeline } from "../../src/registry.ts";
import { standaloneState } from "../../src/runtime/standalone.ts";

const [specFile, step, ...names] = process.argv.slice(2) as [string, Step, ...string[]];
const pipeline = await loadPipeline(specFile);
const tables: Record<string, { seconds: number; metrics: unknown; log: string[] }> = {};
const started = performance.now();
const state = standaloneState(process.env, "smelter-bench");
for (const name of names) {
  const t0 = performance.now();
  const log: string[] = [];
  const line = (level: string) => (message: string) => {
    const entry = `${((performance.now() - t0) / 1000).toFixed(2)}s ${level} ${message}`;
    log.push(entry);
    process.stderr.write(`${step} ${name} ${entry}\n`);
  };
  const metrics = await runTask(
    { pipeline: pipeline.spec.name, step, table: name },
    {
      executionId: `bench-${step}-${name}`,
      pipeline,
      log: { info: line("info"), warn: line("warn"), error: line("error") },
      signal: new AbortController().signal,
      env: process.env,
      watermarks: state.watermarks,
    },
  );
  tables[name] = { seconds: (performance.now() - t0) / 1000, metrics, log };
}
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, tables }));
