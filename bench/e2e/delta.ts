import { rm } from "node:fs/promises";
import { join } from "node:path";
import { listManifestIds, openLandingZone, readManifest } from "../../src/landing/index.ts";
import { resolveDatabase, resolveLanding } from "../../src/spec/resolve.ts";
import type { LoadedPipeline } from "../../src/spec/types.ts";
import { SparkClient } from "../../src/warehouse/spark/client.ts";
import { literal, qualified, quoteIdent } from "../../src/warehouse/spark/sql.ts";
import { psql, time } from "../lib/measure.ts";
import { type DltResult, type DltSettings, resetDlt, runDlt } from "./dlt.ts";
import { runStages, type StageResult } from "./smelter.ts";
import { TABLES } from "./source.ts";

/**
 * The Delta Lake rows of the bench, on the stack's Spark Thrift server: smelter's executors in-process with the
 * bench pipeline written for Spark (examples/social-delta.yaml), the raw limit (a hand-written Spark SQL MERGE of
 * the very parquet smelter's extract landed, in the same Spark, into a Delta table with the change data feed on,
 * as bronze's is) and dlt loading the same tables into Delta (filesystem destination, delta table format, upsert).
 */

export interface DeltaPhase {
  rows: number;
  smelter: StageResult[];
  /** Seconds of the raw Spark MERGE of the same landed batches, all tables, and per table. */
  rawMerge: { rows: number; seconds: number; tables: Record<string, number> };
  dlt: DltResult | null;
}

const RAW_SCHEMA = "bench_raw_delta";

/**
 * Forgets what a previous run left: the pipeline's watermarks, its schemas, the raw tables and its bookkeeping in
 * Spark, its landed files.
 */
export async function resetDelta(
  pipeline: LoadedPipeline,
  env: NodeJS.ProcessEnv,
  stateUrl: string,
): Promise<void> {
  psql(stateUrl, `DELETE FROM smelter.watermarks WHERE pipeline = '${pipeline.spec.name}';`);
  const spark = await SparkClient.connect(resolveDatabase(pipeline.spec, pipeline.spec.warehouse, env));
  try {
    for (const schema of [pipeline.spec.bronzeSchema, pipeline.spec.silverSchema, RAW_SCHEMA]) {
      await spark.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    }
    for (const table of ["bronze_commits", "silver_commits", "change_feed_floor"]) {
      await spark
        .query(`DELETE FROM ${qualified("_smelter", table)} WHERE pipeline = ${literal(pipeline.spec.name)}`)
        .catch(() => undefined);
    }
  } finally {
    await spark.close();
  }
  const landing = resolveLanding(pipeline.spec, pipeline.spec.landing, env);
  if (landing.kind === "local")
    await rm(join(landing.path, landing.prefix), { recursive: true, force: true });
}

/** The data files of the batches landed after `after` (batch id), per table. */
async function landedFiles(
  pipeline: LoadedPipeline,
  env: NodeJS.ProcessEnv,
  after: Record<string, string | null>,
): Promise<{ files: Record<string, string[]>; last: Record<string, string | null>; root: string }> {
  const zone = openLandingZone(resolveLanding(pipeline.spec, pipeline.spec.landing, env));
  const files: Record<string, string[]> = {};
  const last: Record<string, string | null> = {};
  for (const t of TABLES) {
    const ids = await listManifestIds(zone, pipeline.spec.name, t.name, { after: after[t.name] ?? null });
    files[t.name] = [];
    for (const id of ids) {
      const manifest = await readManifest(zone, pipeline.spec.name, t.name, id);
      files[t.name]!.push(...(manifest?.files ?? []).map((f) => f.key));
    }
    last[t.name] = ids.at(-1) ?? after[t.name] ?? null;
  }
  return { files, last, root: zone.url };
}

/**
 * The raw limit: per table, the landed parquet merged into a Delta table with one hand-written statement
 * (CREATE TABLE AS SELECT for the first batch, MERGE on the primary key after), nothing else.
 */
async function rawMerge(
  pipeline: LoadedPipeline,
  env: NodeJS.ProcessEnv,
  landed: { files: Record<string, string[]>; root: string },
  initial: boolean,
): Promise<DeltaPhase["rawMerge"]> {
  const spark = await SparkClient.connect(resolveDatabase(pipeline.spec, pipeline.spec.warehouse, env));
  const tables: Record<string, number> = {};
  let rows = 0;
  try {
    await spark.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(RAW_SCHEMA)}`);
    for (const t of TABLES) {
      const files = landed.files[t.name] ?? [];
      if (files.length === 0) continue;
      const source = files
        .map((k) => `SELECT * FROM parquet.${quoteIdent(`${landed.root}/${k}`)}`)
        .join(" UNION ALL ");
      const target = qualified(RAW_SCHEMA, t.name);
      const sql = initial
        ? `CREATE OR REPLACE TABLE ${target} USING DELTA TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true') AS ${source}`
        : `MERGE INTO ${target} AS t USING (${source}) AS s ON ${t.key.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(" AND ")}
           WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *`;
      const [seconds] = await time(() => spark.query(sql));
      tables[t.name] = seconds;
      const [count] = await spark.query(`SELECT count(*) AS n FROM (${source})`);
      rows += Number(count?.n ?? 0);
    }
  } finally {
    await spark.close();
  }
  return { rows, seconds: Object.values(tables).reduce((a, b) => a + b, 0), tables };
}

/** What one phase of the Delta rows needs. */
export interface DeltaSettings {
  pipeline: LoadedPipeline;
  specFile: string;
  env: NodeJS.ProcessEnv;
  dlt: DltSettings | null;
}

/** Batches the raw MERGE has taken, per table, between phases. */
const merged: Record<string, string | null> = {};

/** One phase (initial when `initial`): smelter's steps, then the raw MERGE of what extract landed, then dlt. */
export async function deltaPhase(
  s: DeltaSettings,
  initial: boolean,
  say: (line: string) => void,
): Promise<DeltaPhase> {
  const tables = s.pipeline.spec.tables.map((t) => t.name);
  const models = s.pipeline.spec.silver.map((m) => m.name);
  const smelter = await runStages(s.specFile, tables, models, s.env);
  for (const st of smelter) {
    say(
      st.error
        ? `    ${st.step} failed: ${st.error}`
        : `    ${st.step}: ${st.rows} rows in ${st.seconds.toFixed(2)} s`,
    );
  }
  const landed = await landedFiles(s.pipeline, s.env, initial ? {} : merged);
  Object.assign(merged, landed.last);
  const raw = await rawMerge(s.pipeline, s.env, landed, initial);
  say(`    raw Spark MERGE: ${raw.rows} rows in ${raw.seconds.toFixed(2)} s`);
  let dlt: DltResult | null = null;
  if (s.dlt) {
    if (initial) await resetDlt(s.dlt);
    dlt = await runDlt(s.dlt, "dlt delta");
    say(`    dlt into Delta: ${dlt.rows} rows in ${dlt.seconds.toFixed(2)} s`);
  }
  const extract = smelter.find((st) => st.step === "extract");
  return { rows: extract?.rows ?? 0, smelter, rawMerge: raw, dlt };
}
