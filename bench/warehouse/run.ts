import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { bronze } from "../../src/executors/bronze/index.ts";
import { silver } from "../../src/executors/silver.ts";
import { newBatchId, partKey, writeManifest } from "../../src/landing/index.ts";
import type { BatchManifest } from "../../src/landing/types.ts";
import { postgresType } from "../../src/warehouse/postgres/types.ts";
import { Fixture, POSTS, warehouseUrl } from "../../test/integration/warehouse/fixture.ts";

/**
 * Bronze and silver on a 2M-row initial load and on 1%-changed incremental batches (three per round, each a
 * different slice of the rows), each compared with plain `COPY` + `MERGE` of the same rows through psql in the
 * same run. Writes bench/results/warehouse.json and prints the ratios; it measures, it asserts nothing. Each round
 * starts from empty tables; the report gives each ratio's median over all samples, which keeps one noisy moment
 * on a shared machine from deciding the result.
 * Usage: tsx bench/warehouse/run.ts [rows] [rounds] (defaults 2000000 and 3).
 */

const ROWS = Number(process.argv[2] ?? 2_000_000);
const ROUNDS = Number(process.argv[3] ?? 3);
/** 1%-changed batches applied (and measured) after each round's initial load. */
const INCREMENTS = 3;
const FILE_ROWS = 500_000;
const url = warehouseUrl();

const COLUMNS = `i AS id, (i % 5)::INTEGER AS account_type_id, 'title ' || i AS title,
  (i * 1.2345)::DECIMAL(20,4) AS amount, ('{"kind":"k' || (i % 7) || '","tags":["t' || (i % 3) || '"]}')::JSON AS payload,
  TIMESTAMP '2024-01-01' + to_seconds(i) AS updated_at, false AS deleted`;
const CHANGED = COLUMNS.replace("'title ' || i", "'changed ' || i").replace(
  "TIMESTAMP '2024-01-01'",
  "TIMESTAMP '2025-01-01'",
);

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [(performance.now() - start) / 1000, result];
}

function psql(script: string): number {
  const start = performance.now();
  execFileSync(
    "psql",
    [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = warning", "-f", "-"],
    {
      input: script,
      stdio: ["pipe", "ignore", "inherit"],
    },
  );
  return (performance.now() - start) / 1000;
}

interface Sample {
  rows: number;
  copy_merge_seconds: number;
  bronze_seconds: number;
  silver_seconds: number;
  bronze_ratio: number;
  silver_ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One round on fresh tables: the initial load, then the 1% incremental batch. */
async function round(duck: DuckDBConnection): Promise<Record<string, Sample[]>> {
  const fx = await Fixture.create();
  const samples: Record<string, Sample[]> = {};
  try {
    const land = async (where: string, columns: string, rows: number): Promise<string> => {
      const batchId = newBatchId();
      const files: BatchManifest["files"] = [];
      const csv = join(fx.dir, `${batchId}.csv`);
      for (let part = 0; part * FILE_ROWS < ROWS; part++) {
        const from = part * FILE_ROWS + 1;
        const to = Math.min(ROWS, (part + 1) * FILE_ROWS);
        const local = join(fx.dir, `${batchId}-${part}.parquet`);
        const sql = `SELECT ${columns} FROM range(${from}, ${to + 1}) t(i) WHERE ${where}`;
        await duck.run(`COPY (${sql}) TO '${local}' (FORMAT parquet, COMPRESSION zstd)`);
        const count = await duck.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM '${local}'`);
        const n = count.getRowObjects()[0]?.n as number;
        if (n === 0) continue;
        const key = partKey(fx.spec.name, "posts", batchId, part);
        const { bytes } = await fx.zone.putFile(key, local);
        files.push({ key, rows: n, bytes });
      }
      // The baseline's input: the same rows as CSV for psql's \copy.
      await duck.run(
        `COPY (SELECT ${columns} FROM range(1, ${ROWS + 1}) t(i) WHERE ${where}) TO '${csv}' (FORMAT csv, HEADER false)`,
      );
      const manifest: BatchManifest = {
        format: "smelter.manifest/v1",
        batchId,
        pipeline: fx.spec.name,
        table: "posts",
        source: { name: "src", kind: "bench", snapshot: {} },
        mode: "incremental",
        createdAt: new Date().toISOString(),
        primaryKey: ["id"],
        cursor: ["updated_at"],
        watermark: { from: null, to: null, lagSeconds: 0 },
        schema: {
          columns: POSTS.map((c) => ({
            name: c.name,
            sourceType: c.duck.toLowerCase(),
            parquetType: c.duck,
            logical: c.logical,
            nullable: true,
          })),
          fingerprint: "bench",
          added: [],
          removed: [],
        },
        files,
        rows,
      };
      await writeManifest(fx.zone, manifest);
      return csv;
    };

    const base = `"${fx.spec.bronzeSchema}".baseline`;
    const cols = POSTS.map((c) => `"${c.name}"`);
    const baseline = (csv: string) =>
      psql(`
      CREATE TEMP TABLE staging (${POSTS.map((c) => `"${c.name}" ${postgresType(c.logical)}`).join(", ")});
      \\copy staging FROM '${csv}' WITH (FORMAT csv)
      MERGE INTO ${base} b USING staging s ON b.id = s.id
      WHEN MATCHED THEN UPDATE SET ${cols.map((c) => `${c} = s.${c}`).join(", ")}
      WHEN NOT MATCHED THEN INSERT (${cols.join(", ")}) VALUES (${cols.map((c) => `s.${c}`).join(", ")});`);
    // Several 1% batches per round (a different slice each): a sub-second step on a shared machine needs more
    // samples than a round per initial load gives.
    const phases = [
      { name: "initial", where: "true", columns: COLUMNS, rows: ROWS },
      ...Array.from({ length: INCREMENTS }, (_, k) => ({
        name: "incremental_1pct",
        where: `i % 100 = ${k}`,
        columns: CHANGED,
        rows: Math.floor((ROWS - k) / 100) + (k === 0 ? 0 : 1),
      })),
    ];
    psql(`CREATE SCHEMA IF NOT EXISTS "${fx.spec.bronzeSchema}";
        CREATE TABLE ${base} (${POSTS.map((c) => `"${c.name}" ${postgresType(c.logical)}`).join(", ")}, PRIMARY KEY (id));`);
    for (const phase of phases) {
      const csv = await land(phase.where, phase.columns, phase.rows);
      const copyMerge = baseline(csv);
      const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
      fx.logs = [];
      const [bronzeSeconds, b] = await time(() => bronze(request, fx.ctx()));
      const [silverSeconds, s] = await time(() =>
        silver({ ...request, step: "silver", table: "posts_flat" }, fx.ctx()),
      );
      // The executions' phase timings, to see where the time goes.
      for (const line of fx.logs) console.log(`  ${line}`);
      if (b.rowsRead !== phase.rows || s.rowsRead !== phase.rows) {
        console.log(`  (bronze read ${b.rowsRead}, silver read ${s.rowsRead} of ${phase.rows} rows)`);
      }
      const phaseSamples = samples[phase.name] ?? [];
      samples[phase.name] = phaseSamples;
      phaseSamples.push({
        rows: phase.rows,
        copy_merge_seconds: copyMerge,
        bronze_seconds: bronzeSeconds,
        silver_seconds: silverSeconds,
        bronze_ratio: bronzeSeconds / copyMerge,
        silver_ratio: silverSeconds / copyMerge,
      });
      console.log(
        `${phase.name}: ${phase.rows} rows — COPY+MERGE ${copyMerge.toFixed(2)} s, bronze ${bronzeSeconds.toFixed(2)} s (${(bronzeSeconds / copyMerge).toFixed(2)}x), silver ${silverSeconds.toFixed(2)} s (${(silverSeconds / copyMerge).toFixed(2)}x)`,
      );
    }
    return samples;
  } finally {
    await fx.close();
  }
}

const duck = await (await DuckDBInstance.create(":memory:")).connect();
const rounds: Record<string, Sample[]>[] = [];
try {
  await duck.run("SET TimeZone = 'UTC'");
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`round ${r} of ${ROUNDS}`);
    rounds.push(await round(duck));
  }
} finally {
  duck.closeSync();
}
const results: Record<string, unknown> = { rows: ROWS, rounds: ROUNDS, date: new Date().toISOString() };
for (const phase of Object.keys(rounds[0] ?? {})) {
  const samples = rounds.flatMap((r) => r[phase] ?? []);
  const summary = {
    rows: samples[0]?.rows,
    copy_merge_seconds: median(samples.map((x) => x.copy_merge_seconds)),
    bronze_seconds: median(samples.map((x) => x.bronze_seconds)),
    silver_seconds: median(samples.map((x) => x.silver_seconds)),
    bronze_ratio: median(samples.map((x) => x.bronze_ratio)),
    silver_ratio: median(samples.map((x) => x.silver_ratio)),
  };
  results[phase] = { median: summary, samples };
  console.log(
    `${phase} (median of ${samples.length}): COPY+MERGE ${summary.copy_merge_seconds.toFixed(2)} s, bronze ${summary.bronze_ratio.toFixed(2)}x, silver ${summary.silver_ratio.toFixed(2)}x`,
  );
}
const out = new URL("../results/warehouse.json", import.meta.url);
await mkdir(new URL(".", out), { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
