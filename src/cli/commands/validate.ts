import type { Command } from "commander";
import { loadPipeline } from "../../registry.ts";
import { formatProblem, SpecErrors, type SpecProblem } from "../../spec/problems.ts";
import type { LoadedPipeline } from "../../spec/types.ts";
import { outputFormat } from "../format.ts";

/** `smelter validate <spec>...`: checks specs and prints every problem; exit 1 when any spec is invalid. */
export function define(command: Command): void {
  command
    .argument("<spec...>", "pipeline YAML files")
    .option("--format <format>", "text or json", "text")
    .action(async (files: string[], options: { format: string }) => {
      const format = outputFormat(command, options.format);
      const valid: LoadedPipeline[] = [];
      const problems: SpecProblem[] = [];
      for (const file of files) {
        try {
          valid.push(await loadPipeline(file));
        } catch (error) {
          if (!(error instanceof SpecErrors)) throw error;
          problems.push(...error.problems);
        }
      }
      if (format === "json") {
        const pipelines = valid.map((p) => ({ file: p.file, name: p.spec.name, hash: p.hash }));
        process.stdout.write(
          `${JSON.stringify({ valid: problems.length === 0, pipelines, problems }, null, 2)}\n`,
        );
      } else {
        for (const p of valid) {
          const { tables, silver } = p.spec;
          process.stdout.write(
            `ok ${p.file}: ${p.spec.name} (${tables.length} tables, ${silver.length} silver models)\n`,
          );
        }
        for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
        if (problems.length > 0) {
          const bad = new Set(problems.map((p) => p.file)).size;
          process.stderr.write(`${problems.length} problem(s) in ${bad} of ${files.length} spec(s)\n`);
        }
      }
      if (problems.length > 0) process.exitCode = 1;
    });
}
