import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedPipeline } from "../spec/types.ts";
import { planPipeline } from "./plan.ts";
import { renderDag } from "./render.ts";

/** A DAG file the compiler produced. */
export interface GeneratedDag {
  pipeline: string;
  /** File name inside the output directory: `smelter__<pipeline>.py`. */
  fileName: string;
  source: string;
  dagIds: string[];
}

/** File name of a pipeline's DAG file. */
export function dagFileName(pipeline: string): string {
  return `smelter__${pipeline}.py`;
}

/** Compiles a loaded spec to its DAG file's name and Python source, without touching the disk. */
export function compilePipeline(loaded: LoadedPipeline): GeneratedDag {
  const plan = planPipeline(loaded.spec);
  return {
    pipeline: loaded.spec.name,
    fileName: dagFileName(loaded.spec.name),
    source: renderDag(plan, loaded),
    dagIds: plan.dags.map((d) => d.dagId),
  };
}

/**
 * Writes a DAG file atomically: a temp file in the same directory (not ending in .py, so Airflow never parses
 * it half-written), then a rename. An unchanged file is left alone so Airflow does not re-parse it.
 * Returns whether the file changed.
 */
export async function writeDagFile(dir: string, dag: GeneratedDag): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, dag.fileName);
  const current = await readFile(target, "utf8").catch(() => undefined);
  if (current === dag.source) return false;
  const temp = join(dir, `.${dag.fileName}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temp, dag.source, "utf8");
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return true;
}
