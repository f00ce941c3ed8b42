/** Runs one full extract of the bench table into a fresh local landing zone; prints metrics and peak RSS as JSON. */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { extract } from "../../src/executors/extract/index.ts";
import { standaloneState } from "../../src/runtime/standalone.ts";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { migrate } from "../../src/state/migrate.ts";
import { tableSpec } from "../../test/integration/support.ts";

const table = process.argv[2] as string;
const dir = await mkdtemp(join(tmpdir(), "smelter-bench-"));
const state = new pg.Client({ connectionString: process.env.SMELTER_STATE_URL });
await state.connect();
await migrate(state);
await state.end();
const pipeline = `bench_${Date.now().toString(36)}`;
const spec = {
  version: 1,
  name: pipeline,
  connections: {
    src: { kind: "mariadb", url: { env: "SMELTER_MARIADB_URL" }, timezone: "+00:00", maxConnections: 2 },
    landing: { kind: "local", path: dir, prefix: "landing" },
  },
  warehouse: "src",
  landing: "landing",
  // Parts of 500k rows, as the measurements in bench/extract/README.md were taken.
  tables: [tableSpec({ name: table, fileRows: 500_000 })],
  silver: [],
} as unknown as PipelineSpec;
const t0 = performance.now();
const metrics = await extract(
  { pipeline, step: "extract", table },
  {
    executionId: "bench",
    pipeline: { spec, file: "bench", hash: "0" },
    log: { info: (m) => console.error(m), warn: (m) => console.error(m), error: (m) => console.error(m) },
    signal: new AbortController().signal,
    env: process.env,
    watermarks: standaloneState(process.env, "smelter-bench").watermarks,
  },
);
const seconds = (performance.now() - t0) / 1000;
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    rows: metrics.rowsLanded,
    seconds,
    files: metrics.files,
    bytes: metrics.bytes,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    cpuSeconds: Number(((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2)),
  }),
);
