import type { AirflowClient } from "../airflow/client.ts";
import type { Job } from "./index.ts";

/** Airflow watch: reports when Airflow is unreachable and when smelter DAG files have import errors. */
export function airflowWatchJob(
  schedule: string,
  deps: { client: AirflowClient; say: (message: string) => void },
): Job {
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
