import type { Command } from "commander";
import { AirflowClient } from "../../airflow/client.ts";
import { airflowPipelineDags, generateDags } from "../../airflow/pipelines.ts";
import { LocalDagFolder, Publisher } from "../../airflow/publisher.ts";
import { loadConfig } from "../../config.ts";
import { closeKeptDuckdb } from "../../db/duckdb.ts";
import { safeHost } from "../../db/pg.ts";
import { runTask } from "../../executors/index.ts";
import { createApp } from "../../http/app.ts";
import { FreshnessReader } from "../../http/freshness.ts";
import { ServiceMetrics } from "../../http/metrics.ts";
import { drainAndStop } from "../../http/shutdown.ts";
import { sayTo, serviceLogOf, serviceSecrets } from "../../log.ts";
import { Notifier } from "../../notify/notifier.ts";
import { parsePipeline } from "../../registry.ts";
import { ExecutionWorker } from "../../runtime/worker.ts";
import { airflowWatchJob } from "../../scheduler/airflow-watch.ts";
import { freshnessJob } from "../../scheduler/freshness.ts";
import { startJobs } from "../../scheduler/index.ts";
import { pruneLanding } from "../../scheduler/landing-retention.ts";
import { maintenanceJob } from "../../scheduler/maintenance.ts";
import { notifyJob } from "../../scheduler/notify.ts";
import { reconcileJob } from "../../scheduler/reconcile.ts";
import { retentionJob } from "../../scheduler/retention.ts";
import { taskWatchJob } from "../../scheduler/task-watch.ts";
import { openStateDb } from "../../state/db.ts";
import { ExecutionStore } from "../../state/executions.ts";
import { IncidentStore } from "../../state/incidents.ts";
import { PipelineCatalog } from "../../state/pipelines.ts";
import { PublishedDags } from "../../state/published-dags.ts";
import { closeWarehousePools } from "../../ui/warehouse.ts";
import { maintainMetadata, maintainPipeline, pruneChangeFeed } from "../../warehouse/maintenance.ts";

/**
 * `smelter serve`: migrates the state DB, then serves the API, runs executions and the scheduled jobs.
 * SIGTERM/SIGINT: drain (see src/http/shutdown.ts), close every pool, exit.
 */
export function define(command: Command): void {
  command.action(async () => {
    const config = loadConfig();
    const log = serviceLogOf(config, process.env);
    const say = sayTo(log);
    const jobLog = (job: string) => sayTo(log.child({ job }));
    const pool = await openStateDb(config.stateUrl, config.maxConcurrentExecutions + 10);
    say(`state database ${safeHost(config.stateUrl)} migrated`);
    const store = new ExecutionStore(pool);
    const catalog = new PipelineCatalog(pool, config.specsDir, parsePipeline, config.registeredSpecs);
    const ledger = new PublishedDags(pool);
    const metrics = new ServiceMetrics();
    const incidents = new IncidentStore(pool);
    const notifier = new Notifier({
      incidents,
      webhooks: config.webhooks,
      pipelines: (name) => catalog.get(name),
      env: process.env,
      links: {
        publicUrl: config.publicUrl,
        ...(config.airflow?.publicUrl ? { airflowUrl: config.airflow.publicUrl } : {}),
      },
      log: log.child({ job: "notify" }),
      secrets: serviceSecrets(config, process.env),
    });
    const worker = new ExecutionWorker({
      pool,
      store,
      pipelines: (name) => catalog.get(name),
      runTask,
      concurrency: config.maxConcurrentExecutions,
      lockWaitSeconds: config.lockWaitSeconds,
      leaseSeconds: config.leaseSeconds,
      observe: metrics.observe,
      finished: (execution) => notifier.executionFinished(execution),
      say,
      log,
      secrets: serviceSecrets(config, process.env),
    });
    const freshness = new FreshnessReader({
      catalog,
      env: process.env,
      ttlMs: config.freshnessTtlSeconds * 1000,
      say: jobLog("freshness"),
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
      airflow: config.airflow,
      ...(client && publisher ? { dags: airflowPipelineDags(client, publisher, ledger) } : {}),
      log,
      freshness,
    });
    await worker.start();
    const stopJobs = startJobs(
      pool,
      [
        retentionJob(config.jobs.retention, {
          store,
          catalog,
          settings: {
            executionDays: config.retentionDays,
            changeFeedKeepVersions: config.changeFeedKeepVersions,
            landingDays: config.landingRetentionDays,
          },
          pruneChangeFeed,
          pruneLanding,
          incidents,
          say: jobLog("retention"),
        }),
        freshnessJob(config.jobs.freshness, {
          read: () => freshness.read(),
          log: log.child({ job: "freshness" }),
          incidents: notifier,
        }),
        notifyJob(config.jobs.notify, { deliver: () => notifier.deliver(), say: jobLog("notify") }),
        maintenanceJob(config.jobs.maintenance, {
          catalog,
          maintain: maintainPipeline,
          maintainMetadata,
          retainHours: config.vacuumRetainHours,
          say: jobLog("maintenance"),
        }),
        ...(client && publisher
          ? [
              reconcileJob(config.jobs.reconcile, {
                catalog,
                publisher,
                client,
                ledger,
                publish: config.reconcilePublish,
                say: jobLog("reconcile"),
              }),
              airflowWatchJob(config.jobs.airflowWatch, { client, say: jobLog("airflow-watch") }),
              taskWatchJob(config.jobs.taskWatch, { store, client, say: jobLog("task-watch") }),
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
      say(`${signal} received`);
      await drainAndStop({
        server,
        worker,
        stopJobs,
        close: [closeWarehousePools, closeKeptDuckdb, () => store.events.close(), () => pool.end()],
        timeoutMs: config.shutdownTimeoutSeconds * 1000,
        say,
      });
      // Executors aborted at the deadline may still hold sockets (source or warehouse drivers): do not wait.
      process.exit(0);
    };
    process.once("SIGTERM", () => void shutdown("SIGTERM"));
    process.once("SIGINT", () => void shutdown("SIGINT"));
  });
}
