import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { compileDagFiles, type GeneratedDag, writeDagFile } from "../../compiler/generate.ts";
import { loadPipelines } from "../../registry.ts";
import { formatProblem, SpecErrors } from "../../spec/problems.ts";

/**
 * `smelter generate <spec>... [--out dags-out] [--check]`: writes a spec's DAG file (one per part of a pipeline
 * split with `airflow.split`). Every spec is
 * validated first; if any is invalid nothing is written, so a bad spec never replaces a working DAG.
 */
export function define(command: Command): void {
  command
    .argument("<spec...>", "pipeline YAML files")
    .option("--out <dir>", "output directory", "dags-out")
    .option("--check", "write nothing; exit 1 if any DAG file is missing or out of date")
    .action(async (files: string[], options: { out: string; check?: boolean }) => {
      let dags: GeneratedDag[];
      try {
        const loaded = await loadPipelines(files);
        dags = loaded.flatMap(compileDagFiles);
        const clash = duplicatePipeline(loaded.map((l) => ({ file: l.file, name: l.spec.name })));
        if (clash) {
          process.stderr.write(`${clash}\n`);
          process.exitCode = 1;
          return;
        }
      } catch (error) {
        if (!(error instanceof SpecErrors)) throw error;
        for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        process.stderr.write(`no DAG file written: ${error.problems.length} problem(s)\n`);
        process.exitCode = 1;
        return;
      }
      let stale = 0;
      for (const dag of dags) {
        const target = join(options.out, dag.fileName);
        if (options.check) {
          const current = await readFile(target, "utf8").catch(() => undefined);
          if (current !== dag.source) {
            stale++;
            process.stdout.write(`out of date ${target}\n`);
          }
          continue;
        }
        const changed = await writeDagFile(options.out, dag);
        process.stdout.write(`${changed ? "wrote" : "unchanged"} ${target} (${dag.dagIds.join(", ")})\n`);
      }
      if (stale > 0) process.exitCode = 1;
    });
}

function duplicatePipeline(specs: { file: string; name: string }[]): string | undefined {
  const seen = new Map<string, string>();
  for (const { file, name } of specs) {
    const other = seen.get(name);
    if (other)
      return `${file}: pipeline name "${name}" is also used by ${other}; each pipeline needs its own name`;
    seen.set(name, file);
  }
  return undefined;
}
