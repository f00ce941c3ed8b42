import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { lastJson, measured, psql } from "../lib/measure.ts";
import { TABLES } from "./source.ts";

/**
 * dlt on the same tables, in its own virtualenv (bench/dlt/venv.sh), into its own Postgres database, or with
 * `delta` set into Delta tables under that directory (dlt's filesystem destination, delta table format).
 */

export interface DltResult {
  rows: number;
  seconds: number;
  maxRssMb: number;
  phases: Record<string, number>;
  version: string;
}

const PIPELINE = fileURLToPath(new URL("../dlt/pipeline.py", import.meta.url));

export interface DltSettings {
  python: string;
  sourceUrl: string;
  adminUrl: string;
  destinationUrl: string;
  database: string;
  pipelinesDir: string;
  /** Load into Delta tables under this local directory instead of PostgreSQL. */
  delta?: { dir: string };
  /** The tables to load and their keys; default: the bench tables of source.ts. */
  keys?: Record<string, string[]>;
  /** The destination dataset (PostgreSQL schema); default `bench_social`. */
  dataset?: string;
}

/** Empty destination database and no local pipeline state: the next run is an initial load. */
export async function resetDlt(s: DltSettings): Promise<void> {
  if (s.delta) await rm(s.delta.dir, { recursive: true, force: true });
  else
    psql(s.adminUrl, `DROP DATABASE IF EXISTS ${s.database} WITH (FORCE);\nCREATE DATABASE ${s.database};`);
  await rm(s.pipelinesDir, { recursive: true, force: true });
}

/** One dlt run (initial or incremental, depending on the state the previous run left). */
export async function runDlt(s: DltSettings, label: string): Promise<DltResult> {
  const keys = s.keys ?? Object.fromEntries(TABLES.map((t) => [t.name, t.key]));
  const source = new URL(s.sourceUrl);
  source.protocol = "mysql+pymysql:";
  const run = await measured(
    label,
    s.python,
    [
      PIPELINE,
      "--keys",
      JSON.stringify(keys),
      "--dataset",
      s.dataset ?? "bench_social",
      "--pipelines-dir",
      s.pipelinesDir,
      "--destination",
      s.delta ? "delta" : "postgres",
    ],
    {
      ...process.env,
      BENCH_DLT_SOURCE_URL: source.toString(),
      BENCH_DLT_DESTINATION_URL: s.destinationUrl,
      ...(s.delta ? { BENCH_DLT_BUCKET_URL: `file://${s.delta.dir}` } : {}),
      RUNTIME__LOG_LEVEL: "WARNING",
    },
  );
  const out = lastJson<{
    total_rows: number;
    seconds: number;
    max_rss_mb: number;
    phases: Record<string, number>;
    dlt_version: string;
  }>(run.stdout);
  return {
    rows: out.total_rows,
    seconds: run.seconds,
    maxRssMb: Math.max(run.maxRssMb, out.max_rss_mb),
    phases: out.phases,
    version: out.dlt_version,
  };
}
