import type { Command } from "commander";
import { ConfigError } from "../../errors.ts";
import { loadPipeline } from "../../registry.ts";
import { describeTask, outputFormat, type RunReport, runReport, writeJson } from "../format.ts";
import { airflowFromEnv } from "./publish.ts";

/**
 * `smelter trigger <pipeline> [--dag ID] [--conf JSON] [--run-id ID] [--wait] [--format text|json]`: starts a
 * DAG run directly through Airflow's REST API (like `publish` and `status`, no service needed) under a run id
 * chosen here, so a trigger sent again never starts a second run, optionally waits for it and prints each task's
 * state. A backfill run is `--conf '{"backfill": {"tables": [...], "from": ..., "to": ...}}'` (docs/operating.md). JSON: the run (with its tasks once waited for), or `{dagId, error}` when there is no such DAG.
 */
export function define(command: Command): void {
  command
    .argument("<pipeline>", "pipeline name, or its YAML spec file")
    .option("--dag <id>", "which of the pipeline's DAGs (default smelter__<pipeline>)")
    .option("--wait", "wait for the run to finish")
    .option("--timeout <seconds>", "how long to wait", "3600")
    .option(
      "--conf <json>",
      'the run\'s conf, e.g. {"backfill": {"tables": ["posts"], "from": "2026-01-01"}}',
    )
    .option("--run-id <id>", "the run's id; triggering again with the same id starts no second run")
    .option("--format <format>", "text or json", "text")
    .action(
      async (
        target: string,
        o: { dag?: string; wait?: boolean; timeout: string; format: string; conf?: string; runId?: string },
      ) => {
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
        let run = await client.triggerRun(dagId, parseConf(o.conf), o.runId);
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
      },
    );
}

/** The `--conf` option as an object; a ConfigError saying what is wrong otherwise. */
function parseConf(text: string | undefined): object | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--conf is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError("--conf must be a JSON object");
  return value;
}
