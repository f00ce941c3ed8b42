import type { Command } from "commander";
import { AirflowClient } from "../../airflow/client.ts";
import { airflowPipelineDags, generateDags } from "../../airflow/pipelines.ts";
import { LocalDagFolder, Publisher } from "../../airflow/publisher.ts";
import { loadConfig } from "../../config.ts";
import { runTask } from "../../executors/index.ts";
import { createApp } from "../../http/app.ts";
import { ServiceMetrics } from "../../http/metrics.ts";
import { startJobs } from "../../scheduler/index.ts";
import { airflowWatchJob, reconcileJob, retentionJob } from "../../scheduler/jobs.ts";
import { parsePipeline } from "../../spec/load.ts";
import { openStateDb, safeHost } from "../../state/db.ts";
import { ExecutionStore } from "../../state/executions.ts";
import { PipelineCatalog } from "../../state/pipelines.ts";
import { ExecutionWorker } from "../../state/worker.ts";

const say = (message: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
};

/**
 * `smelter serve`: migrates the state DB, then serves the API, runs executions and the scheduled jobs.
 * SIGTERM/SIGINT: stop taking work, wait for running executions up to the shutdown timeout, mark the rest
 * interrupted (retryable), exit.
 */
export function register(program: Command): void {
  program
    .command("serve")
    .description(
      "run the smelter service (API, execution workers, scheduled jobs); settings from SMELTER_* env",
    )
    .action(async () => {
      const config = loadConfig();
      const pool = await openStateDb(config.stateUrl, config.maxConcurrentExecutions + 10);
      say(`state database ${safeHost(config.stateUrl)} migrated`);
      const store = new ExecutionStore(pool);
      const catalog = new PipelineCatalog(pool, config.specsDir, parsePipeline);
      const metrics = new ServiceMetrics();
      const worker = new ExecutionWorker({
        pool,
        store,
        pipelines: (name) => catalog.get(name),
        runTask,
        concurrency: config.maxConcurrentExecutions,
        lockWaitSeconds: config.lockWaitSeconds,
        leaseSeconds: config.leaseSeconds,
        observe: metrics.observe,
        say,
      });
      const client = config.airflow ? new AirflowClient(config.airflow) : undefined;
      const publisher = client ? new Publisher(client, new LocalDagFolder(config.dagsFolder)) : undefined;
      const app = createApp({
        tokens: config.tokens,
        pool,
        store,
        catalog,
        metrics,
        maxQueue: config.maxQueue,
        publicUrl: config.publicUrl,
        worker,
        generate: generateDags,
        ...(client && publisher ? { dags: airflowPipelineDags(client, publisher) } : {}),
        say,
      });
      await worker.start();
      const stopJobs = startJobs(
        pool,
        [
          retentionJob(config.jobs.retention, { store, days: config.retentionDays, say }),
          ...(client && publisher
            ? [
                reconcileJob(config.jobs.reconcile, {
                  catalog,
                  publisher,
                  client,
                  publish: config.reconcilePublish,
                  say,
                }),
                airflowWatchJob(config.jobs.airflowWatch, { client, say }),
              ]
            : []),
        ],
        say,
      );
      const server = app.listen(config.port, config.host);
      await new Promise<void>((resolve, reject) => {
        server.once("listening", resolve);
        server.once("error", reject);
      });
      say(
        `smelter listening on http://${config.host}:${config.port} (worker ${worker.id}, ${config.tokens.length} token(s), airflow ${config.airflow?.url ?? "not configured"})`,
      );
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        say(
          `${signal}: no new work; waiting up to ${config.shutdownTimeoutSeconds} s for ${worker.active} execution(s)`,
        );
        stopJobs();
        server.close();
        await worker.stop(config.shutdownTimeoutSeconds * 1000);
        server.closeAllConnections();
        await pool.end();
        say("stopped");
      };
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
      process.once("SIGINT", () => void shutdown("SIGINT"));
    });
}
