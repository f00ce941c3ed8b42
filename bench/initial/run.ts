/**
 * Initial loads of the bench data set (bench_social, MariaDB → local landing → PostgreSQL bronze), from empty:
 *
 * - `source`: a source's tables extracted then loaded into bronze step by step (an extract of the source, then a
 *   bronze of it: the two tasks of `granularity: source`) against the same with the steps overlapped (an extract
 *   of the source with `downstream`: a table's bronze starts as soon as its extract ended), for each
 *   `max_connections` of `--connections`;
 * - `chunks`: the chunked initial load of the largest table (`posts`) with `max_connections` K of `--k` (K chunks
 *   read at once), chunks of `--chunk-size` rows.
 *
 * Runs are interleaved (A, B, A, B ...; K = 1, 2, 4, 1, 2, 4 ...) for `--rounds` rounds, each in a child process
 * with a pipeline of its own, and the load average is read before each run: the machine is shared. Reports the
 * median seconds of each case and the median of the per-round ratios; writes bench/results/initial.json.
 * Measures, never asserts. Needs the stack (scripts/stack up).
 *   node --import tsx bench/initial/run.ts [--scale 1] [--rounds 4] [--what source,chunks]
 *     [--connections 4,2,1] [--k 1,2,4] [--chunk-size 25000]
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { benchSourceUrl, seedBench } from "../e2e/source.ts";
import { writeBenchSpec } from "../e2e/spec.ts";
import { ensureDatabase } from "../lib/postgres.ts";

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
};
const list = (name: string, fallback: string) => option(name, fallback).split(",").filter(Boolean);
const scale = Number(option("--scale", "1"));
const rounds = Number(option("--rounds", "4"));
const what = list("--what", "source,chunks");
const connections = list("--connections", "4,2,1").map(Number);
const ks = list("--k", "1,2,4").map(Number);
const chunkSize = Number(option("--chunk-size", "25000"));
const SOURCE_DB = "bench_social";
const WAREHOUSE_DB = "bench_initial_warehouse";
const env = process.env;
if (!env.SMELTER_MARIADB_URL || !env.SMELTER_PG_URL || !env.SMELTER_STATE_URL) {
  console.error("bench/initial: source /var/tmp/smelter-stack/stack.env first (scripts/stack up)");
  process.exit(2);
}
const say = (m: string) => console.error(m);
await seedBench(benchSourceUrl(env, SOURCE_DB), scale, say);
await ensureDatabase(`${env.SMELTER_PG_URL}/postgres`, WAREHOUSE_DB);

interface Run {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  rows: number;
  load1: number;
}

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/** One first load in a child process, with a pipeline and landing directory of its own. */
async function once(maxConnections: number, args: string[], tuneChunks: boolean): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "smelter-bench-initial-"));
  try {
    const file = join(dir, "spec.yaml");
    const name = `bench_initial_${Date.now().toString(36)}`;
    await writeBenchSpec(file, {
      name,
      sourceDatabase: SOURCE_DB,
      warehouseDatabase: WAREHOUSE_DB,
      landingDir: join(dir, "landing"),
    });
    const doc = YAML.parseDocument(await readFile(file, "utf8"));
    // Extract and bronze only: silver is not part of what the overlap changes.
    doc.set("silver", doc.createNode([]));
    doc.setIn(["connections", "social_db", "max_connections"], maxConnections);
    if (tuneChunks) doc.setIn(["defaults", "chunk_size"], chunkSize);
    await writeFile(file, doc.toString());
    const load1 = loadavg()[0] as number;
    const out = execFileSync(process.execPath, ["--import", "tsx", CHILD, file, ...args], {
      encoding: "utf8",
      env,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return { ...(JSON.parse(out.trim().split("\n").at(-1) as string) as Omit<Run, "load1">), load1 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round2 = (x: number) => Number(x.toFixed(2));
const summary = (runs: Run[]) => ({
  medianSeconds: round2(median(runs.map((r) => r.seconds))),
  seconds: runs.map((r) => round2(r.seconds)),
  medianCpuSeconds: round2(median(runs.map((r) => r.cpuSeconds))),
  maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
  rows: runs[0]?.rows ?? 0,
  load1: runs.map((r) => round2(r.load1)),
});

const report: Record<string, unknown> = { scale, rounds, cores: (await import("node:os")).cpus().length };
if (what.includes("source")) {
  const cases: Record<string, unknown> = {};
  for (const mc of connections) {
    const stepwise: Run[] = [];
    const overlap: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      stepwise.push(await once(mc, ["source", "stepwise"], false));
      overlap.push(await once(mc, ["source", "overlap"], false));
      say(
        `source, max_connections ${mc}, round ${r + 1}: stepwise ${stepwise.at(-1)?.seconds.toFixed(2)} s, overlap ${overlap.at(-1)?.seconds.toFixed(2)} s (load ${overlap.at(-1)?.load1.toFixed(1)})`,
      );
    }
    cases[`max_connections ${mc}`] = {
      stepwise: summary(stepwise),
      overlap: summary(overlap),
      medianSpeedup: round2(median(stepwise.map((s, i) => s.seconds / (overlap[i] as Run).seconds))),
    };
  }
  report.source = cases;
}
if (what.includes("chunks")) {
  const byK = new Map<number, Run[]>(ks.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const k of ks) {
      const run = await once(k, ["chunks", "posts"], true);
      byK.get(k)?.push(run);
      say(
        `chunks of posts, K ${k}, round ${r + 1}: ${run.seconds.toFixed(2)} s (load ${run.load1.toFixed(1)})`,
      );
    }
  }
  const base = byK.get(ks[0] as number) as Run[];
  report.chunks = {
    table: "posts",
    chunkSize,
    byK: Object.fromEntries(
      [...byK].map(([k, runs]) => [
        k,
        {
          ...summary(runs),
          medianSpeedup: round2(median(runs.map((run, i) => (base[i] as Run).seconds / run.seconds))),
        },
      ]),
    ),
  };
}
const results = fileURLToPath(new URL("../results/", import.meta.url));
await mkdir(results, { recursive: true });
await writeFile(join(results, "initial.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
