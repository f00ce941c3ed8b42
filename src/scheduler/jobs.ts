import type { AirflowClient } from "../airflow/client.ts";
import { generateDags } from "../airflow/pipelines.ts";
import type { Publisher } from "../airflow/publisher.ts";
import type { ExecutionStore } from "../state/executions.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import type { Job } from "./index.ts";

type Say = (message: string) => void;

/**
 * Reconcile: compares every known pipeline's generated DAG with what Airflow has. With `publish`, publishes
 * what changed; otherwise reports the drift. Broken specs are reported, their published DAG left alone.
 */
export function reconcileJob(
  schedule: string,
  deps: { catalog: PipelineCatalog; publisher: Publisher; client: AirflowClient; publish: boolean; say: Say },
): Job {
  return {
    name: "reconcile",
    schedule,
    run: async () => {
      for (const entry of await deps.catalog.list()) {
        if (!entry.pipeline) {
          deps.say(`reconcile: ${entry.file} is invalid, its DAG is left as published: ${entry.error}`);
          continue;
        }
        for (const file of generateDags(entry.pipeline)) {
          const missing = (await Promise.all(file.dagIds.map((id) => deps.client.getDag(id)))).some(
            (d) => !d,
          );
          if (!deps.publish) {
            if (missing) deps.say(`reconcile: drift: ${file.dagIds.join(", ")} not in Airflow`);
            continue;
          }
          const r = await deps.publisher.publishFile(file, { timeoutMs: 120_000 });
          if (r.changed) deps.say(`reconcile: published ${file.fileName}`);
        }
      }
    },
  };
}

/** Retention of the run registry: finished executions and their logs older than `days`. */
export function retentionJob(schedule: string, deps: { store: ExecutionStore; days: number; say: Say }): Job {
  return {
    name: "retention",
    schedule,
    run: async () => {
      const n = await deps.store.deleteFinishedBefore(deps.days);
      if (n > 0) deps.say(`retention: deleted ${n} execution(s) finished more than ${deps.days} days ago`);
    },
  };
}

/** Airflow watch: reports when Airflow is unreachable and when smelter DAG files have import errors. */
export function airflowWatchJob(schedule: string, deps: { client: AirflowClient; say: Say }): Job {
  let healthy = true;
  const reported = new Set<string>();
  return {
    name: "airflow-watch",
    schedule,
    run: async () => {
      try {
        const errors = await deps.client.importErrors("smelter__");
        for (const e of errors) {
          const key = `${e.filename}@${e.timestamp}`;
          if (!reported.has(key)) deps.say(`airflow-watch: import error in ${e.filename}:\n${e.stack_trace}`);
          reported.add(key);
        }
        if (!healthy) deps.say("airflow-watch: Airflow answers again");
        healthy = true;
      } catch (error) {
        if (healthy) deps.say(`airflow-watch: ${(error as Error).message}`);
        healthy = false;
      }
    },
  };
}
