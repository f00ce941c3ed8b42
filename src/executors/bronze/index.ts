import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Executor, StepMetrics } from "../../contracts/step.ts";
import { CancelledError } from "../../errors.ts";
import { listManifestIds, openLandingZone, readManifest } from "../../landing/index.ts";
import { manifestKey } from "../../landing/layout.ts";
import type { BatchManifest } from "../../landing/types.ts";
import { tableOf } from "../../spec/lookup.ts";
import { resolveLanding } from "../../spec/resolve.ts";
import type { TableSpec } from "../../spec/types.ts";
import { phase } from "../../trace.ts";
import { faultHook } from "../../warehouse/fault.ts";
import { openWarehouse } from "../../warehouse/index.ts";
import type { LandedColumn } from "../../warehouse/types.ts";
import { bronzeLineage } from "../lineage.ts";
import { groupBatches } from "./groups.ts";

/** The landed columns of a group (its batches share them), with the spec's type override of each. */
function landedColumns(manifest: BatchManifest, table: TableSpec): LandedColumn[] {
  return manifest.schema.columns.map((c) => {
    const override = table.typeOverrides[c.name];
    return {
      name: c.name,
      logical: c.logical,
      parquetType: c.parquetType,
      ...(override ? { override } : {}),
    };
  });
}

/** Milliseconds since `start`, for phase timings in the execution log. */
function since(start: number): number {
  return Math.round(performance.now() - start);
}

/**
 * Bronze: applies every landed batch (manifest present) not yet checkpointed, in batch order, a group of batches
 * per commit (see `groupBatches`). Each commit is all-or-nothing in the warehouse; a crash or failure between
 * commits leaves the finished ones in place and the retry continues with the rest. Cancellation is honoured
 * between commits.
 */
export const bronze: Executor = async (request, ctx) => {
  const spec = ctx.pipeline.spec;
  const table = tableOf(spec, request.table);
  const zone = openLandingZone(resolveLanding(spec, spec.landing, ctx.env));
  const fault = faultHook(ctx.env);
  const metrics: StepMetrics = {
    batches: 0,
    files: 0,
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    versionFrom: null,
    versionTo: null,
  };
  const warehouse = await openWarehouse(spec, ctx.env);
  const dir = await mkdtemp(join(tmpdir(), "smelter-bronze-"));
  try {
    // The checkpoints and the landed manifests are read at once: neither depends on the other.
    const [done, listed] = await phase("bronze: read checkpoints and list manifests", () =>
      Promise.all([
        warehouse.checkpointedBatches(spec.name, spec.bronzeSchema, table.name),
        listManifestIds(zone, spec.name, table.name),
      ]),
    );
    const pending: BatchManifest[] = [];
    let applied: BatchManifest | null = null;
    await phase("bronze: read manifests", async () => {
      for (const id of listed) {
        if (done.has(id)) continue;
        const manifest = await readManifest(zone, spec.name, table.name, id);
        if (manifest) pending.push(manifest);
      }
    });
    ctx.log.info(`bronze ${table.name}: ${pending.length} batch(es) to apply from ${zone.url}`);
    for (const group of groupBatches(pending)) {
      if (ctx.signal.aborted) throw new CancelledError(`bronze ${table.name} cancelled between commits`);
      const start = performance.now();
      const log = (message: string) => ctx.log.info(`bronze ${table.name}: ${message}`);
      const workDir = await mkdtemp(join(dir, "commit-"));
      const result = await warehouse.applyBronze(
        {
          pipeline: spec.name,
          schema: spec.bronzeSchema,
          table,
          batches: group,
          manifestKeys: group.map((b) => manifestKey(spec.name, table.name, b.batchId)),
          columns: landedColumns(group[0] as BatchManifest, table),
          zone,
          workDir,
          signal: ctx.signal,
        },
        { fault, log },
      );
      log(`commit done in ${since(start)} ms`);
      fault("bronze:after-commit");
      await rm(workDir, { recursive: true, force: true });
      const files = new Set(group.flatMap((b) => [...b.files, ...(b.keyFiles ?? [])].map((f) => f.key)));
      const ids = `${group[0]?.batchId}${group.length > 1 ? ` .. ${group.at(-1)?.batchId}` : ""}`;
      if (result.skipped) {
        ctx.log.info(`bronze ${table.name}: batches ${ids} were already applied; skipped`);
        continue;
      }
      applied = group.at(-1) ?? applied;
      metrics.batches = (metrics.batches ?? 0) + group.length;
      metrics.files = (metrics.files ?? 0) + files.size;
      metrics.rowsRead = (metrics.rowsRead ?? 0) + result.rowsRead;
      metrics.inserted = (metrics.inserted ?? 0) + result.inserted;
      metrics.updated = (metrics.updated ?? 0) + result.updated;
      metrics.deleted = (metrics.deleted ?? 0) + result.deleted;
      metrics.unchanged = (metrics.unchanged ?? 0) + result.unchanged;
      if (result.schemaChange) {
        const { added, rescued } = result.schemaChange;
        if (added.length > 0) {
          metrics.columnsAdded = [...new Set([...(metrics.columnsAdded ?? []), ...added])];
          ctx.log.info(
            `bronze ${table.name}: added column(s) ${added.join(", ")} (schema evolution add_columns)`,
          );
        }
        if (rescued.length > 0) {
          metrics.columnsRescued = [...new Set([...(metrics.columnsRescued ?? []), ...rescued])];
          ctx.log.warn(
            `bronze ${table.name}: values of new column(s) ${rescued.join(", ")} kept in _rescued_data (schema evolution rescue)`,
          );
        }
      }
      if (result.version !== null) {
        metrics.versionFrom ??= result.version;
        metrics.versionTo = result.version;
      }
      ctx.log.info(
        `bronze ${table.name}: ${ids} → version ${result.version ?? "(unchanged)"}: ${result.inserted} inserted, ${result.updated} updated, ${result.deleted} deleted, ${result.unchanged} unchanged`,
      );
    }
    metrics.lineage = await phase("bronze: lineage", () =>
      bronzeLineage(spec, ctx.env, warehouse, zone, table.name, applied, metrics),
    );
    return metrics;
  } finally {
    await phase("bronze: clean up", async () => {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    });
  }
};
