import type { PipelineSpec } from "../spec/types.ts";
import type { ExecutionStore } from "../state/executions.ts";
import type { IncidentStore } from "../state/incidents.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import type { Job } from "./index.ts";

/** Change-feed retention of one bronze table (`pruneChangeFeed` of src/warehouse/maintenance.ts). */
export type ChangeFeedPruner = (
  spec: PipelineSpec,
  table: string,
  env: NodeJS.ProcessEnv,
  options: { keepLast?: number },
) => Promise<{ floor: number; deletedRows: number }>;

/**
 * Landing retention of one table (`pruneLanding` of src/warehouse/maintenance.ts): deletes landed batches older
 * than `olderThanDays` that bronze has applied, and files of batches that never got a manifest.
 */
export type LandingPruner = (
  spec: PipelineSpec,
  table: string,
  env: NodeJS.ProcessEnv,
  options: { olderThanDays: number },
) => Promise<{ batches: number; objects: number }>;

export interface RetentionSettings {
  /** Finished executions and their logs are kept this many days. */
  executionDays: number;
  /** Change-feed versions kept beyond what every silver model has read. */
  changeFeedKeepVersions: number;
  /** Landed batches are kept this many days after bronze applied them. */
  landingDays: number;
}

/**
 * Retention: the run registry (finished executions and their logs, notifications and resolved incidents), then per pipeline and table the change
 * feed (versions every silver model has merged, beyond the newest `changeFeedKeepVersions`) and the landing
 * zone. A table that fails (warehouse unreachable, bronze never ran) is reported and the others go on; the
 * job itself runs on one replica at a time and never overlaps itself (src/scheduler/index.ts).
 */
export function retentionJob(
  schedule: string,
  deps: {
    store: ExecutionStore;
    catalog: PipelineCatalog;
    settings: RetentionSettings;
    pruneChangeFeed: ChangeFeedPruner;
    /** Without it landing files are left alone. */
    pruneLanding?: LandingPruner;
    /** Notifications sent or given up and incidents resolved are kept as long as executions; without it, for ever. */
    incidents?: IncidentStore;
    env?: NodeJS.ProcessEnv;
    say: (message: string) => void;
  },
): Job {
  const { settings, say } = deps;
  const env = deps.env ?? process.env;
  return {
    name: "retention",
    schedule,
    run: async () => {
      const n = await deps.store.deleteFinishedBefore(settings.executionDays);
      if (n > 0)
        say(`retention: deleted ${n} execution(s) finished more than ${settings.executionDays} days ago`);
      if (deps.incidents) {
        const d = await deps.incidents.deleteFinishedBefore(settings.executionDays);
        if (d.notifications + d.incidents > 0) {
          say(
            `retention: deleted ${d.notifications} notification(s) and ${d.incidents} resolved incident(s) older than ${settings.executionDays} days`,
          );
        }
      }
      for (const entry of await deps.catalog.list()) {
        const spec = entry.pipeline?.spec;
        if (!spec) continue;
        for (const table of spec.tables) {
          const where = `pipeline ${spec.name} table ${table.name}`;
          if (table.bronze.changeFeed) {
            try {
              const r = await deps.pruneChangeFeed(spec, table.name, env, {
                keepLast: settings.changeFeedKeepVersions,
              });
              if (r.deletedRows > 0) {
                say(`retention: ${where}: change feed pruned to version ${r.floor} (${r.deletedRows} rows)`);
              }
            } catch (error) {
              say(`retention: ${where}: change feed not pruned: ${(error as Error).message}`);
            }
          }
          if (deps.pruneLanding) {
            try {
              const r = await deps.pruneLanding(spec, table.name, env, {
                olderThanDays: settings.landingDays,
              });
              if (r.batches > 0) {
                say(`retention: ${where}: deleted ${r.batches} landed batch(es), ${r.objects} object(s)`);
              }
            } catch (error) {
              say(`retention: ${where}: landing not pruned: ${(error as Error).message}`);
            }
          }
        }
      }
    },
  };
}
