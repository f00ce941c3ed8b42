import type { Command } from "commander";
import type { AirflowDagRun, AirflowTaskInstance } from "../airflow/client.ts";
import { toErrorInfo } from "../errors.ts";

/** What `--format` asks for: lines for people (default) or one JSON document on stdout for machines. */
export type OutputFormat = "text" | "json";

/** The `--format` option's value, or a usage error (exit 2) naming the accepted ones. */
export function outputFormat(command: Command, value: string): OutputFormat {
  if (value !== "text" && value !== "json") {
    command.error(`--format must be text or json, got "${value}"`, { exitCode: 2 });
  }
  return value as OutputFormat;
}

/** Writes `value` as indented JSON and a newline. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One Airflow task instance in `--format json` output. */
export interface TaskReport {
  taskId: string;
  /** Index of a mapped task's instance; null for an unmapped task. */
  mapIndex: number | null;
  state: string | null;
  tryNumber: number;
}

/** One Airflow DAG run in `--format json` output. */
export interface RunReport {
  dagId: string;
  runId: string;
  state: string | null;
  startDate: string | null;
  endDate: string | null;
  tasks: TaskReport[];
}

export function runReport(run: AirflowDagRun, tasks: AirflowTaskInstance[]): RunReport {
  return {
    dagId: run.dag_id,
    runId: run.dag_run_id,
    state: run.state,
    startDate: run.start_date,
    endDate: run.end_date,
    tasks: tasks.map((ti) => ({
      taskId: ti.task_id,
      mapIndex: ti.map_index >= 0 ? ti.map_index : null,
      state: ti.state,
      tryNumber: ti.try_number,
    })),
  };
}

/** A task instance as one indented line: `task_id[map]  state  try N`. */
export function describeTask(task: TaskReport, indent: string): string {
  const index = task.mapIndex === null ? "" : `[${task.mapIndex}]`;
  return `${indent}${task.taskId}${index}  ${task.state ?? "none"}  try ${task.tryNumber}`;
}

/** Prints why a step run from the command line failed, and whether a retry can help; the exit code becomes 1. */
export function reportFailure(error: unknown): void {
  const info = toErrorInfo(error);
  process.stderr.write(
    `failed: ${info.type}: ${info.message} (${info.retryable ? "retryable" : "not retryable"})\n`,
  );
  process.exitCode = 1;
}
