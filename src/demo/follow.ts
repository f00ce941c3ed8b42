import { TransientError } from "../errors.ts";
import type { AirflowRuns, TaskState } from "./airflow-runs.ts";

/** How a followed run ended. */
export interface FollowedRun {
  state: string;
  durationMs: number;
  tasks: TaskState[];
}

export interface FollowOptions {
  /** Give up (with an error naming the run) after this long; default 15 minutes. */
  timeoutMs?: number;
  /** Time between polls; default 2 s. */
  pollMs?: number;
  write: (line: string) => void;
}

const FINISHED = new Set(["success", "failed"]);

function taskLabel(t: TaskState): string {
  return t.mapIndex >= 0 ? `${t.taskId}[${t.mapIndex}]` : t.taskId;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`.padStart(7);
}

/**
 * Polls a DAG run until it finishes and prints one line per task state change (queued, running, deferred while
 * the smelter service works, success/failed, retries), so the demo shows the run's progress as it happens.
 */
export async function followRun(
  airflow: AirflowRuns,
  dagId: string,
  runId: string,
  options: FollowOptions,
): Promise<FollowedRun> {
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const pollMs = options.pollMs ?? 2000;
  const started = Date.now();
  const seen = new Map<string, string>();
  let runState = "";
  for (;;) {
    const run = await airflow.dagRun(dagId, runId);
    const tasks = await airflow.taskInstances(dagId, runId);
    const elapsed = seconds(Date.now() - started);
    if (run.state !== runState) {
      options.write(`  ${elapsed}  run ${runId}: ${run.state}`);
      runState = run.state;
    }
    for (const t of tasks.sort((a, b) => taskLabel(a).localeCompare(taskLabel(b)))) {
      const state = `${t.state ?? "none"}${t.tryNumber > 1 ? ` (try ${t.tryNumber})` : ""}`;
      if (seen.get(taskLabel(t)) !== state) {
        seen.set(taskLabel(t), state);
        if (t.state !== null) options.write(`  ${elapsed}  ${taskLabel(t).padEnd(36)} ${state}`);
      }
    }
    const done = tasks.filter((t) => t.state !== null && FINISHED.has(t.state)).length;
    if (FINISHED.has(run.state)) {
      options.write(
        `  ${seconds(Date.now() - started)}  ${done}/${tasks.length} tasks finished; run ${run.state}`,
      );
      return { state: run.state, durationMs: Date.now() - started, tasks };
    }
    if (Date.now() - started > timeoutMs) {
      throw new TransientError(
        `DAG run ${dagId}/${runId} did not finish within ${Math.round(timeoutMs / 1000)}s ` +
          `(state ${run.state}, ${done}/${tasks.length} tasks finished); see ${airflow.runUrl(dagId, runId)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
