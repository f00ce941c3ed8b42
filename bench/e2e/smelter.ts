import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { lastJson, measured, psql } from "../lib/measure.ts";

/** The smelter side of the bench, in-process: each step in its own child process, tables one after another. */

export type StageName = "extract" | "bronze" | "silver";

export interface TableRun {
  seconds: number;
  metrics: Record<string, number | null | undefined>;
  log: string[];
}

export interface StageResult {
  step: StageName;
  rows: number;
  seconds: number;
  maxRssMb: number;
  tables: Record<string, TableRun>;
  /** Set when the step failed (the later steps are then not run): the first line of what went wrong. */
  error?: string;
}

/** A step that did not produce numbers. */
export function failedStage(step: StageName, error: string): StageResult {
  return { step, rows: 0, seconds: Number.NaN, maxRssMb: 0, tables: {}, error };
}

const STAGE = fileURLToPath(new URL("./stage.ts", import.meta.url));

/** Forgets everything a previous bench run moved: watermarks, the warehouse database, landed files. */
export async function resetSmelter(o: {
  stateUrl: string;
  adminUrl: string;
  pipeline: string;
  warehouseDatabase: string;
  landingDir: string;
}): Promise<void> {
  psql(o.stateUrl, `DELETE FROM smelter.watermarks WHERE pipeline = '${o.pipeline}';`);
  psql(
    o.adminUrl,
    `DROP DATABASE IF EXISTS ${o.warehouseDatabase} WITH (FORCE);\nCREATE DATABASE ${o.warehouseDatabase};`,
  );
  await rm(o.landingDir, { recursive: true, force: true });
}

/** Rows a step moved, from its metrics: landed by extract, read by bronze and silver. */
function stageRows(step: StageName, tables: Record<string, TableRun>): number {
  const key = step === "extract" ? "rowsLanded" : "rowsRead";
  return Object.values(tables).reduce((sum, t) => sum + Number(t.metrics[key] ?? 0), 0);
}

/** Runs extract (all tables), bronze (all tables), silver (all models), each step in one measured child. */
export async function runStages(
  specFile: string,
  tables: string[],
  models: string[],
  env: NodeJS.ProcessEnv,
): Promise<StageResult[]> {
  const results: StageResult[] = [];
  for (const step of ["extract", "bronze", "silver"] as const) {
    const names = step === "silver" ? models : tables;
    let run: Awaited<ReturnType<typeof measured>>;
    try {
      run = await measured(
        `smelter ${step}`,
        process.execPath,
        ["--import", "tsx", STAGE, specFile, step, ...names],
        env,
      );
    } catch (error) {
      const why =
        (error as Error).message.match(/^\w*Error: .*$/m)?.[0] ?? (error as Error).message.split("\n")[0];
      results.push(failedStage(step, why ?? "failed"));
      break;
    }
    const out = lastJson<{ seconds: number; tables: Record<string, TableRun> }>(run.stdout);
    results.push({
      step,
      rows: stageRows(step, out.tables),
      seconds: out.seconds,
      maxRssMb: run.maxRssMb,
      tables: out.tables,
    });
  }
  return results;
}
