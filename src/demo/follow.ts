import type { AirflowClient, AirflowTaskInstance } from "../airflow/client.ts";
import { TransientError } from "../errors.ts";

/** How a followed run ended. */
export interface FollowedRun {
  state: string;
  durationMs: number;
  tasks: AirflowTaskInstance[];
}

export interface FollowOptions {
  /** Give up (with an error naming the run) after this long; default 15 minutes. */
  timeoutMs?: number;
  /** Time between polls; default 2 s. */
  pollMs?: number;
  write: (line: string) => void;
}

const FINISHED = new Set(["success", "failed"]);

function taskLabel(t: AirflowTaskInstance): string {
  return t.map_index >= 0 ? `${t.task_id}[${t.map_index}]` : t.task_id;
}

/** The Airflow UI page of a DAG run, for people to click. */
export function runUrl(airflowUrl: string, dagId: string, runId: string): string {
  return `${airflowUrl.replace(/\/$/, "")}/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`.padStart(7);
}

/**
 * Polls a DAG run until it finishes and prints one line per task state change (queued, running, deferred while
 * the smelter service works, success/failed, retries), so the demo shows the run's progress as it happens.
 */
export async function followRun(
  airflow: AirflowClient,
  airflowUrl: string,
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
    const run = await airflow.getRun(dagId, runId);
    const tasks = await airflow.taskInstances(dagId, runId);
    const elapsed = seconds(Date.now() - started);
    if ((run.state ?? "none") !== runState) {
      runState = run.state ?? "none";
      options.write(`  ${elapsed}  run ${runId}: ${runState}`);
    }
    for (const t of tasks.sort((a, b) => taskLabel(a).localeCompare(taskLabel(b)))) {
      const state = `${t.state ?? "none"}${t.try_number > 1 ? ` (try ${t.try_number})` : ""}`;
      if (seen.get(taskLabel(t)) !== state) {
        seen.set(taskLabel(t), state);
        if (t.state !== null) options.write(`  ${elapsed}  ${taskLabel(t).padEnd(36)} ${state}`);
      }
    }
    const done = tasks.filter((t) => t.state !== null && FINISHED.has(t.state)).length;
    if (FINISHED.has(runState)) {
      options.write(
        `  ${seconds(Date.now() - started)}  ${done}/${tasks.length} tasks finished; run ${runState}`,
      );
      return { state: runState, durationMs: Date.now() - started, tasks };
    }
    if (Date.now() - started > timeoutMs) {
      throw new TransientError(
        `DAG run ${dagId}/${runId} did not finish within ${Math.round(timeoutMs / 1000)}s ` +
          `(state ${runState}, ${done}/${tasks.length} tasks finished); see ${runUrl(airflowUrl, dagId, runId)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
