import type { Command } from "commander";
import { loadPipeline } from "../../registry.ts";
import { airflowFromEnv } from "./publish.ts";

/**
 * `smelter trigger <pipeline> [--dag ID] [--wait]`: starts a DAG run directly through Airflow's REST API (like
 * `publish` and `status`, no service needed), optionally waits for it and prints each task's state.
 */
export function define(command: Command): void {
  command
    .argument("<pipeline>", "pipeline name, or its YAML spec file")
    .option("--dag <id>", "which of the pipeline's DAGs (default smelter__<pipeline>)")
    .option("--wait", "wait for the run to finish")
    .option("--timeout <seconds>", "how long to wait", "3600")
    .action(async (target: string, o: { dag?: string; wait?: boolean; timeout: string }) => {
      const name = /\.ya?ml$/.test(target) ? (await loadPipeline(target)).spec.name : target;
      const dagId = o.dag ?? `smelter__${name}`;
      const client = airflowFromEnv();
      if (!(await client.getDag(dagId))) {
        process.stderr.write(
          `no DAG ${dagId} in Airflow: publish the pipeline first (smelter publish <spec>)\n`,
        );
        process.exitCode = 1;
        return;
      }
      let run = await client.triggerRun(dagId);
      process.stdout.write(`triggered ${dagId} run ${run.dag_run_id}\n`);
      if (!o.wait) return;
      run = await client.awaitRun(run, Number(o.timeout) * 1000);
      for (const ti of await client.taskInstances(dagId, run.dag_run_id)) {
        const index = ti.map_index >= 0 ? `[${ti.map_index}]` : "";
        process.stdout.write(`  ${ti.task_id}${index}  ${ti.state ?? "none"}  try ${ti.try_number}\n`);
      }
      process.stdout.write(`run ${run.dag_run_id}: ${run.state}\n`);
      if (run.state !== "success") process.exitCode = 1;
    });
}
