import type { Command } from "commander";
import { type AirflowClient, newRunId } from "../../airflow/client.ts";
import { generateDags } from "../../airflow/pipelines.ts";
import { isEntryDagId } from "../../compiler/plan.ts";
import { ConfigError } from "../../errors.ts";
import { loadPipeline } from "../../registry.ts";
import { describeTask, outputFormat, type RunReport, runReport, writeJson } from "../format.ts";
import { airflowFromEnv } from "./publish.ts";

/**
 * `smelter trigger <pipeline> [--dag ID] [--conf JSON] [--run-id ID] [--wait] [--format text|json]`: starts a
 * DAG run (of every part, under one run id, when the pipeline is split across several DAGs) directly through Airflow's REST API (like `publish` and `status`, no service needed) under a run id
 * chosen here, so a trigger sent again never starts a second run, optionally waits for it and prints each task's
 * state. A backfill run is `--conf '{"backfill": {"tables": [...], "from": ..., "to": ...}}'` (docs/operating.md). JSON: the run (with its tasks once waited for; an array of them for a split pipeline), or `{dagId, error}` when there is no such DAG.
 */
export function define(command: Command): void {
  command
    .argument("<pipeline>", "pipeline name, or its YAML spec file")
    .option(
      "--dag <id>",
      "which of the pipeline's DAGs (default smelter__<pipeline>, or every part of a split pipeline)",
    )
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
        const spec = /\.ya?ml$/.test(target) ? await loadPipeline(target) : undefined;
        const name = spec ? spec.spec.name : target;
        const client = airflowFromEnv();
        const dagIds = o.dag
          ? [o.dag]
          : spec
            ? generateDags(spec).flatMap((f) => f.entryDagIds)
            : await entryDags(client, name);
        const missing = [];
        for (const dagId of dagIds) if (!(await client.getDag(dagId))) missing.push(dagId);
        if (dagIds.length === 0 || missing.length > 0) {
          const dagId = missing[0] ?? `smelter__${name}`;
          const error = `no DAG ${dagId} in Airflow: publish the pipeline first (smelter publish <spec>)`;
          if (format === "json") writeJson({ dagId, error });
          else process.stderr.write(`${error}\n`);
          process.exitCode = 1;
          return;
        }
        // Every part of a split pipeline runs under the same run id.
        const runId = o.runId ?? newRunId();
        let runs = [];
        for (const dagId of dagIds) {
          const run = await client.triggerRun(dagId, parseConf(o.conf), runId);
          if (format === "text") process.stdout.write(`triggered ${dagId} run ${run.dag_run_id}\n`);
          runs.push(run);
        }
        let reports: RunReport[] = runs.map((run) => runReport(run, []));
        if (o.wait) {
          runs = await Promise.all(runs.map((run) => client.awaitRun(run, Number(o.timeout) * 1000)));
          reports = [];
          for (const run of runs) {
            reports.push(runReport(run, await client.taskInstances(run.dag_id, run.dag_run_id)));
            if (run.state !== "success") process.exitCode = 1;
          }
        }
        if (format === "json") {
          writeJson(reports.length === 1 ? reports[0] : reports);
          return;
        }
        if (!o.wait) return;
        for (const [i, run] of runs.entries()) {
          for (const task of reports[i]!.tasks) process.stdout.write(`${describeTask(task, "  ")}\n`);
          const which = runs.length > 1 ? `${run.dag_id} ` : "";
          process.stdout.write(`${which}run ${run.dag_run_id}: ${run.state}\n`);
        }
      },
    );
}

/**
 * The DAGs in Airflow that run pipeline `name` when only its name is known: its main DAG, or the DAG of every
 * part when it is split (`airflow.split`).
 */
async function entryDags(client: AirflowClient, name: string): Promise<string[]> {
  const dags = await client.listDags(`smelter__${name}`);
  return dags
    .map((d) => d.dag_id)
    .filter((id) => isEntryDagId(name, id))
    .sort();
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
