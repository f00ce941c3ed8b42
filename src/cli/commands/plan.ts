import type { Command } from "commander";
import { type Plan, planPipeline } from "../../compiler/plan.ts";
import { loadPipeline } from "../../registry.ts";
import { formatProblem, SpecErrors } from "../../spec/problems.ts";
import { outputFormat } from "../format.ts";

/** `smelter plan <spec>`: shows the DAGs and task graph a spec compiles to. */
export function define(command: Command): void {
  command
    .argument("<spec>", "pipeline YAML file")
    .option("--format <format>", "text or json", "text")
    .action(async (file: string, options: { format: string }) => {
      const format = outputFormat(command, options.format);
      try {
        const plan = planPipeline((await loadPipeline(file)).spec);
        const text = format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : describePlan(plan);
        process.stdout.write(text);
      } catch (error) {
        if (!(error instanceof SpecErrors)) throw error;
        for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        process.exitCode = 1;
      }
    });
}

/** The plan as indented text: each DAG with its schedule, then each task with what it waits for. */
export function describePlan(plan: Plan): string {
  const { airflow } = plan;
  const lines: string[] = [];
  for (const dag of plan.dags) {
    const when =
      dag.schedule.kind === "none"
        ? "triggered by hand"
        : dag.schedule.kind === "cron"
          ? `schedule ${dag.schedule.value}`
          : `on any update of ${dag.schedule.tables.map((t) => `bronze/${t}`).join(", ")}`;
    const pool = airflow.pool === null ? "" : `, pool ${airflow.pool}`;
    lines.push(`${dag.dagId}: ${when}; ${airflow.maxActiveTasks} tasks at a time${pool}`);
    for (const task of dag.tasks) {
      const what = task.table === undefined ? `source ${task.source}` : task.table;
      const after = task.upstream.length > 0 ? ` after ${task.upstream.join(", ")}` : "";
      const emits = task.outlets.length > 0 ? ` emits ${task.outlets.join(", ")}` : "";
      lines.push(`  ${task.taskId} [${task.step} ${what}]${after}${emits}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
