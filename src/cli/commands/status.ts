import type { Command } from "commander";
import { airflowFromEnv } from "./publish.ts";

/** `smelter status <pipeline> [--runs N]`: the last runs of the pipeline's DAG(s) with per-task state. */
export function define(command: Command): void {
  command
    .argument("<pipeline>", "pipeline name")
    .option("--runs <n>", "how many runs per DAG", "5")
    .action(async (pipeline: string, o: { runs: string }) => {
      const client = airflowFromEnv();
      const dags = (await client.listDags(`smelter__${pipeline}`)).filter(
        (d) => d.dag_id === `smelter__${pipeline}` || d.dag_id.startsWith(`smelter__${pipeline}__`),
      );
      if (dags.length === 0) {
        process.stderr.write(`no DAG of pipeline ${pipeline} in Airflow (expected smelter__${pipeline})\n`);
        process.exitCode = 1;
        return;
      }
      for (const dag of dags) {
        process.stdout.write(`${dag.dag_id}${dag.is_paused ? " (paused)" : ""}\n`);
        for (const run of await client.listRuns(dag.dag_id, Number(o.runs))) {
          process.stdout.write(
            `  ${run.dag_run_id}  ${run.state}  ${run.start_date ?? "-"} → ${run.end_date ?? "-"}\n`,
          );
          for (const ti of await client.taskInstances(dag.dag_id, run.dag_run_id)) {
            const index = ti.map_index >= 0 ? `[${ti.map_index}]` : "";
            process.stdout.write(`    ${ti.task_id}${index}  ${ti.state ?? "none"}  try ${ti.try_number}\n`);
          }
        }
      }
    });
}
