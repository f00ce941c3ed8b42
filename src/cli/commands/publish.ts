import type { Command } from "commander";
import { AirflowClient } from "../../airflow/client.ts";
import { generateDags } from "../../airflow/pipelines.ts";
import { ensurePool } from "../../airflow/pools.ts";
import { LocalDagFolder, Publisher } from "../../airflow/publisher.ts";
import { ConfigError } from "../../errors.ts";
import { loadPipeline } from "../../registry.ts";

/** Airflow settings from SMELTER_AIRFLOW_URL/USER/PASSWORD (the CLI needs no state DB). */
export function airflowFromEnv(env: NodeJS.ProcessEnv = process.env): AirflowClient {
  if (!env.SMELTER_AIRFLOW_URL)
    throw new ConfigError("SMELTER_AIRFLOW_URL is not set: expected Airflow's base URL");
  return new AirflowClient({
    url: env.SMELTER_AIRFLOW_URL,
    user: env.SMELTER_AIRFLOW_USER || "admin",
    password: env.SMELTER_AIRFLOW_PASSWORD || "admin",
  });
}

/** `smelter publish <spec> [--unpause] [--trigger] [--wait]`: compile, write, wait for Airflow, report. */
export function define(command: Command): void {
  command
    .argument("<spec>", "pipeline YAML file")
    .option("--dags-folder <dir>", "Airflow's DAGs folder", process.env.SMELTER_DAGS_FOLDER || "dags-out")
    .option("--unpause", "unpause the DAG(s) once registered")
    .option("--trigger", "trigger a run once registered")
    .option("--wait", "with --trigger: wait for the run to finish (exit 1 if it fails)")
    .option("--timeout <seconds>", "how long to wait for Airflow", "300")
    .action(
      async (
        file: string,
        o: { dagsFolder: string; unpause?: boolean; trigger?: boolean; wait?: boolean; timeout: string },
      ) => {
        const pipeline = await loadPipeline(file);
        const client = airflowFromEnv();
        const pool = await ensurePool(client, pipeline.spec.airflow);
        if (pool) process.stdout.write(`${pool}\n`);
        const publisher = new Publisher(client, new LocalDagFolder(o.dagsFolder));
        for (const dag of generateDags(pipeline)) {
          const r = await publisher.publishFile(dag, {
            unpause: o.unpause ?? false,
            trigger: o.trigger ?? false,
            wait: o.wait ?? false,
            timeoutMs: Number(o.timeout) * 1000,
            log: (m) => process.stdout.write(`${m}\n`),
          });
          if (r.run) {
            process.stdout.write(`run ${r.run.dag_run_id}: ${r.run.state}\n`);
            if (o.wait && r.run.state !== "success") process.exitCode = 1;
          }
        }
      },
    );
}
