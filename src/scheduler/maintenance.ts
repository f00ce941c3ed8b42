import type { PipelineSpec } from "../spec/types.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import type { TableMaintenance } from "../warehouse/maintenance.ts";
import type { Job } from "./index.ts";

/** Maintenance of every table of one pipeline (`maintainPipeline` of src/warehouse/maintenance.ts). */
export type PipelineMaintainer = (
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  options: { retainHours: number },
) => Promise<TableMaintenance[]>;

/** Maintenance of a warehouse's bookkeeping tables, once per warehouse (`maintainMetadata`, same module). */
export type MetadataMaintainer = (
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  options: { retainHours: number },
  done: Set<string>,
) => Promise<TableMaintenance[]>;

/**
 * Table maintenance: for every registered pipeline, each bronze and silver table is compacted and storage older
 * than `retainHours` that no version needs is removed (OPTIMIZE and VACUUM on Delta, VACUUM ANALYZE on
 * PostgreSQL), and so are the bookkeeping tables of each warehouse the pipelines write to, once per warehouse.
 * A pipeline or table that fails is reported and the others go on; the job runs on one replica at a time and never
 * overlaps itself (src/scheduler/index.ts).
 */
export function maintenanceJob(
  schedule: string,
  deps: {
    catalog: Pick<PipelineCatalog, "list">;
    maintain: PipelineMaintainer;
    maintainMetadata: MetadataMaintainer;
    retainHours: number;
    env?: NodeJS.ProcessEnv;
    say: (message: string) => void;
  },
): Job {
  const env = deps.env ?? process.env;
  return {
    name: "maintenance",
    schedule,
    run: async () => {
      const warehouses = new Set<string>();
      const options = { retainHours: deps.retainHours };
      const report = (spec: PipelineSpec, tables: TableMaintenance[]) => {
        for (const t of tables) {
          const where = `maintenance: pipeline ${spec.name} ${t.target}`;
          if (t.error !== undefined) deps.say(`${where}: failed: ${t.error}`);
          else if (t.result?.files) {
            const { before, after } = t.result.files;
            deps.say(
              `${where}: ${before} file(s) compacted to ${after}, storage older than ${deps.retainHours} h removed`,
            );
          } else if (t.result) deps.say(`${where}: vacuumed`);
        }
      };
      for (const entry of await deps.catalog.list()) {
        const spec = entry.pipeline?.spec;
        if (!spec) continue;
        try {
          report(spec, await deps.maintain(spec, env, options));
          report(spec, await deps.maintainMetadata(spec, env, options, warehouses));
        } catch (error) {
          deps.say(`maintenance: pipeline ${spec.name}: not maintained: ${(error as Error).message}`);
        }
      }
    },
  };
}
