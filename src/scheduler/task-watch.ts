import type { AirflowClient, AirflowTaskInstance } from "../airflow/client.ts";
import type { AirflowContext, Execution, ExecutionStore } from "../state/executions.ts";
import type { Job } from "./index.ts";

/**
 * Task instance states in which the try that submitted an execution may still want its result: running
 * `execute()`, deferred to the trigger that polls the service, or on its way back to `execute_complete`.
 */
const ALIVE = new Set(["running", "deferred", "scheduled", "queued", "restarting", "up_for_reschedule"]);

/**
 * Whether an execution should be cancelled because Airflow ended the task try that asked for it. Only
 * affirmative evidence cancels: a task instance Airflow does not list is left alone (a misconfigured Airflow URL
 * must not cancel all work).
 */
export function verdict(
  context: AirflowContext,
  ti: AirflowTaskInstance | undefined,
): { cancel: false } | { cancel: true; reason: string } {
  if (!ti) return { cancel: false };
  const where = `task instance ${context.dag_id}/${context.run_id}/${context.task_id}${context.map_index >= 0 ? `[${context.map_index}]` : ""}`;
  if (ti.try_number > context.try_number) {
    return {
      cancel: true,
      reason: `Airflow moved ${where} on to try ${ti.try_number} (this execution belongs to try ${context.try_number})`,
    };
  }
  if (ti.try_number === context.try_number && !ALIVE.has(ti.state ?? "")) {
    const state = ti.state === null ? "cleared (no state)" : ti.state;
    return { cancel: true, reason: `${where} try ${ti.try_number} is ${state} in Airflow` };
  }
  return { cancel: false };
}

/**
 * Task watch: Airflow does not call `on_kill` for a deferred task, and triggers must stay free of side effects,
 * so the service itself notices when a user marks a task instance failed or success, clears it, or its run
 * times out. For every queued or running execution with an Airflow context, it lists the task instances of that
 * execution's DAG run (one paged call per run, however many tasks) and cancels the execution when its try is
 * over. Runs on one replica at a time; the cancel reaches whichever replica runs the execution.
 */
export function taskWatchJob(
  schedule: string,
  deps: { store: ExecutionStore; client: AirflowClient; say: (message: string) => void },
): Job {
  const unknownRuns = new Set<string>();
  let failing: string | undefined;
  return {
    name: "task-watch",
    schedule,
    run: async () => {
      try {
        await watch();
        failing = undefined;
      } catch (error) {
        // Every 15 s: say it when it starts failing or fails differently, not on every run.
        const message = (error as Error).message;
        if (message !== failing) deps.say(`task-watch: ${message}`);
        failing = message;
      }
    },
  };

  async function watch(): Promise<void> {
    const byRun = new Map<string, { dagId: string; runId: string; executions: Execution[] }>();
    for (const execution of await deps.store.activeFromAirflow()) {
      const a = execution.airflow!;
      const key = JSON.stringify([a.dag_id, a.run_id]);
      const group = byRun.get(key) ?? { dagId: a.dag_id, runId: a.run_id, executions: [] };
      group.executions.push(execution);
      byRun.set(key, group);
    }
    for (const [key, { dagId, runId, executions }] of byRun) {
      const tis = await deps.client.taskInstances(dagId, runId, { allow404: true });
      if (!tis) {
        if (!unknownRuns.has(key)) {
          deps.say(`task-watch: Airflow has no run ${runId} of ${dagId}; its executions are left running`);
        }
        unknownRuns.add(key);
        continue;
      }
      unknownRuns.delete(key);
      for (const execution of executions) {
        const a = execution.airflow!;
        const ti = tis.find((t) => t.task_id === a.task_id && t.map_index === a.map_index);
        const v = verdict(a, ti);
        if (!v.cancel) continue;
        await deps.store.cancel(execution.id, v.reason);
        deps.say(`task-watch: cancelled ${execution.id}: ${v.reason}`);
      }
    }
  }
}
