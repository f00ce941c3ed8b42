import type { Command } from "commander";
import { AirflowClient, newRunId } from "../../airflow/client.ts";
import { generateDags, publishPipeline } from "../../airflow/pipelines.ts";
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

/**
 * `smelter publish <spec> [--unpause] [--trigger] [--wait]`: compile, write, wait for Airflow, remove the
 * pipeline's files the spec no longer generates (with their DAGs), then trigger every part and report.
 */
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
        const log = (m: string) => process.stdout.write(`${m}\n`);
        const timeoutMs = Number(o.timeout) * 1000;
        const files = generateDags(pipeline);
        await publishPipeline(publisher, undefined, pipeline, files, {
          unpause: o.unpause ?? false,
          timeoutMs,
          log,
        });
        if (!o.trigger) return;
        const runId = newRunId();
        const runs = [];
        for (const dagId of files.flatMap((f) => f.entryDagIds)) {
          const run = await client.triggerRun(dagId, undefined, runId);
          log(`triggered ${run.dag_id} run ${run.dag_run_id}`);
          runs.push(run);
        }
        if (!o.wait) return;
        for (const run of await Promise.all(runs.map((r) => client.awaitRun(r, timeoutMs)))) {
          log(`${run.dag_id} run ${run.dag_run_id}: ${run.state}`);
          if (run.state !== "success") process.exitCode = 1;
        }
      },
    );
}
