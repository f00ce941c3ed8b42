import type { Command } from "commander";
import { loadPipeline } from "../../registry.ts";
import { describeTask, outputFormat, type RunReport, runReport, writeJson } from "../format.ts";
import { airflowFromEnv } from "./publish.ts";

/**
 * `smelter trigger <pipeline> [--dag ID] [--wait] [--format text|json]`: starts a DAG run directly through
 * Airflow's REST API (like `publish` and `status`, no service needed), optionally waits for it and prints each
 * task's state. JSON: the run (with its tasks once waited for), or `{dagId, error}` when there is no such DAG.
 */
export function define(command: Command): void {
  command
    .argument("<pipeline>", "pipeline name, or its YAML spec file")
    .option("--dag <id>", "which of the pipeline's DAGs (default smelter__<pipeline>)")
    .option("--wait", "wait for the run to finish")
    .option("--timeout <seconds>", "how long to wait", "3600")
    .option("--format <format>", "text or json", "text")
    .action(async (target: string, o: { dag?: string; wait?: boolean; timeout: string; format: string }) => {
      const format = outputFormat(command, o.format);
      const name = /\.ya?ml$/.test(target) ? (await loadPipeline(target)).spec.name : target;
      const dagId = o.dag ?? `smelter__${name}`;
      const client = airflowFromEnv();
      if (!(await client.getDag(dagId))) {
        const error = `no DAG ${dagId} in Airflow: publish the pipeline first (smelter publish <spec>)`;
        if (format === "json") writeJson({ dagId, error });
        else process.stderr.write(`${error}\n`);
        process.exitCode = 1;
        return;
      }
      let run = await client.triggerRun(dagId);
      if (format === "text") process.stdout.write(`triggered ${dagId} run ${run.dag_run_id}\n`);
      let report: RunReport = runReport(run, []);
      if (o.wait) {
        run = await client.awaitRun(run, Number(o.timeout) * 1000);
        report = runReport(run, await client.taskInstances(dagId, run.dag_run_id));
        if (run.state !== "success") process.exitCode = 1;
      }
      if (format === "json") {
        writeJson(report);
        return;
      }
      if (!o.wait) return;
      for (const task of report.tasks) process.stdout.write(`${describeTask(task, "  ")}\n`);
      process.stdout.write(`run ${run.dag_run_id}: ${run.state}\n`);
    });
}
