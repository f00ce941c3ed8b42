import type { Command } from "commander";
import type { AirflowClient } from "../../airflow/client.ts";
import { describeTask, outputFormat, type RunReport, runReport, writeJson } from "../format.ts";
import { airflowFromEnv } from "./publish.ts";

/** What `smelter status` reports: the pipeline's DAGs, each with its last runs and their task instances. */
export interface StatusReport {
  pipeline: string;
  dags: { dagId: string; paused: boolean; runs: RunReport[] }[];
  /** Why there is nothing to report (no DAG of the pipeline in Airflow). */
  error?: string;
}

/** The last `runs` runs of each DAG of `pipeline` (`smelter__<pipeline>` and its `__` siblings). */
export async function pipelineStatus(
  client: AirflowClient,
  pipeline: string,
  runs: number,
): Promise<StatusReport> {
  const prefix = `smelter__${pipeline}`;
  const dags = (await client.listDags(prefix)).filter(
    (d) => d.dag_id === prefix || d.dag_id.startsWith(`${prefix}__`),
  );
  if (dags.length === 0) {
    return { pipeline, dags: [], error: `no DAG of pipeline ${pipeline} in Airflow (expected ${prefix})` };
  }
  const report: StatusReport = { pipeline, dags: [] };
  for (const dag of dags) {
    const reports: RunReport[] = [];
    for (const run of await client.listRuns(dag.dag_id, runs)) {
      reports.push(runReport(run, await client.taskInstances(dag.dag_id, run.dag_run_id)));
    }
    report.dags.push({ dagId: dag.dag_id, paused: dag.is_paused, runs: reports });
  }
  return report;
}

/** The report as indented text: each DAG, its runs, their tasks. */
export function describeStatus(report: StatusReport): string {
  const lines: string[] = [];
  for (const dag of report.dags) {
    lines.push(`${dag.dagId}${dag.paused ? " (paused)" : ""}`);
    for (const run of dag.runs) {
      lines.push(`  ${run.runId}  ${run.state}  ${run.startDate ?? "-"} → ${run.endDate ?? "-"}`);
      for (const task of run.tasks) lines.push(describeTask(task, "    "));
    }
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/**
 * `smelter status <pipeline> [--runs N] [--format text|json]`: the last runs of the pipeline's DAG(s) with
 * per-task state; exit 1 when Airflow has no DAG of the pipeline.
 */
export function define(command: Command): void {
  command
    .argument("<pipeline>", "pipeline name")
    .option("--runs <n>", "how many runs per DAG", "5")
    .option("--format <format>", "text or json", "text")
    .action(async (pipeline: string, o: { runs: string; format: string }) => {
      const format = outputFormat(command, o.format);
      const report = await pipelineStatus(airflowFromEnv(), pipeline, Number(o.runs));
      if (format === "json") writeJson(report);
      else process.stdout.write(describeStatus(report));
      if (report.error !== undefined) {
        if (format === "text") process.stderr.write(`${report.error}\n`);
        process.exitCode = 1;
      }
    });
}
