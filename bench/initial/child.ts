/**
 * Child process of bench/initial: one first load of the bench pipeline from empty, in-process, then its
 * landing directory and warehouse schemas are dropped. Prints one JSON line with the seconds it took.
 *   node --import tsx bench/initial/child.ts <spec.yaml> source <stepwise|overlap>
 *   node --import tsx bench/initial/child.ts <spec.yaml> chunks <table>
 * `source stepwise`: an extract of the source's tables, then a bronze of them (what the two tasks of
 * `granularity: source` run); `source overlap`: an extract of the source with its later steps (`downstream`), a
 * table's bronze starting as soon as its extract ended. `chunks`: the extract of one table (a chunked load).
 */

import pg from "pg";
import { runTask } from "../../src/executors/index.ts";
import { loadPipeline } from "../../src/registry.ts";
import { standaloneState } from "../../src/runtime/standalone.ts";

const [specFile, what, arg] = process.argv.slice(2) as [string, "source" | "chunks", string];
const pipeline = await loadPipeline(specFile);
const { spec } = pipeline;
const source = spec.tables[0]?.source as string;
const state = standaloneState(process.env, "smelter-bench");
const say = (m: string) => process.stderr.write(`${m}\n`);
const ctx = {
  executionId: `bench-initial-${what}-${arg}`,
  pipeline,
  log: { info: say, warn: say, error: say },
  signal: new AbortController().signal,
  env: process.env,
  watermarks: state.watermarks,
};
const t0 = performance.now();
let rows = 0;
if (what === "chunks") {
  rows = (await runTask({ pipeline: spec.name, step: "extract", table: arg }, ctx)).rowsLanded ?? 0;
} else if (arg === "overlap") {
  const metrics = await runTask({ pipeline: spec.name, step: "extract", source, downstream: true }, ctx);
  rows = metrics.rowsLanded ?? 0;
} else {
  rows = (await runTask({ pipeline: spec.name, step: "extract", source }, ctx)).rowsLanded ?? 0;
  await runTask({ pipeline: spec.name, step: "bronze", source }, ctx);
}
const seconds = (performance.now() - t0) / 1000;
const usage = process.cpuUsage();
const warehouse = spec.connections[spec.warehouse] as { database?: unknown };
const url = new URL(process.env.SMELTER_PG_URL as string);
url.pathname = `/${String(warehouse.database)}`;
const wh = new pg.Client({ connectionString: url.href });
await wh.connect();
await wh.query(`DROP SCHEMA IF EXISTS "${spec.bronzeSchema}" CASCADE`);
await wh.query(`DROP SCHEMA IF EXISTS "${spec.silverSchema}" CASCADE`);
await wh.end();
await state.close();
console.log(
  JSON.stringify({
    rows,
    seconds,
    cpuSeconds: (usage.user + usage.system) / 1e6,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
// DuckDB keeps an instance for the next execution: nothing else is coming.
process.exit(0);
