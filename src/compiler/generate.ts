import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import { type PlannedDag, planPipeline } from "./plan.ts";
import { renderDag } from "./render.ts";

/** A DAG file the compiler produced. */
export interface GeneratedDag {
  pipeline: string;
  /** File name inside the output directory: `smelter__<pipeline>.py`, or `smelter__<pipeline>__<part>.py`. */
  fileName: string;
  source: string;
  dagIds: string[];
  /** The DAGs of the file that "run the pipeline" triggers (not the asset-scheduled silver DAG). */
  entryDagIds: string[];
}

/** File name of a pipeline's DAG file, or of one part's file when the pipeline is split. */
export function dagFileName(pipeline: string, part: string | null = null): string {
  return part === null ? `smelter__${pipeline}.py` : `smelter__${pipeline}__${part}.py`;
}

/**
 * Whether `fileName` is a DAG file name smelter gives pipeline `pipeline` (its one file or any part's): a
 * pipeline name holds no "__", so no other pipeline's files match.
 */
export function isDagFileOf(pipeline: string, fileName: string): boolean {
  return (
    fileName === dagFileName(pipeline) ||
    (fileName.startsWith(`smelter__${pipeline}__`) && fileName.endsWith(".py"))
  );
}

/**
 * Compiles a loaded spec to its DAG files, without touching the disk: one file, or with `airflow.split` one
 * file per part (and one for the asset-scheduled silver DAG), in a fixed order.
 */
export function compileDagFiles(loaded: LoadedPipeline): GeneratedDag[] {
  const plan = planPipeline(loaded.spec);
  const files = new Map<string | null, PlannedDag[]>();
  for (const dag of plan.dags) files.set(dag.part, [...(files.get(dag.part) ?? []), dag]);
  return [...files].map(([part, dags]) => ({
    pipeline: loaded.spec.name,
    fileName: dagFileName(loaded.spec.name, part),
    source: renderDag(plan, loaded, dags),
    dagIds: dags.map((d) => d.dagId),
    entryDagIds: dags.filter((d) => d.role === "main").map((d) => d.dagId),
  }));
}

/**
 * Compiles a loaded spec to its one DAG file. A pipeline split across several files (`airflow.split`) is
 * refused: compile it with `compileDagFiles`.
 */
export function compilePipeline(loaded: LoadedPipeline): GeneratedDag {
  const files = compileDagFiles(loaded);
  if (files.length !== 1) {
    throw new ConfigError(
      `${loaded.file}: pipeline ${loaded.spec.name} is split across ${files.length} DAG files (airflow.split); compile it with compileDagFiles`,
    );
  }
  return files[0]!;
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
