import type { Executor, StepMetrics } from "../contracts/step.ts";
import { silverTarget } from "../spec/lookup.ts";
import { phase } from "../trace.ts";
import { faultHook } from "../warehouse/fault.ts";
import { openWarehouse } from "../warehouse/index.ts";
import { silverLineage } from "./lineage.ts";

/**
 * Silver: merges the bronze change feed since the model's checkpoint into the silver table, in one transaction
 * with the new checkpoint. Running it again with nothing new in the change feed changes nothing. In `rebuild`
 * mode the model is refilled from bronze's current rows instead (`WarehouseSession.rebuildSilver`).
 */
export const silver: Executor = async (request, ctx) => {
  const spec = ctx.pipeline.spec;
  const target = silverTarget(spec, request.table);
  const fault = faultHook(ctx.env);
  const warehouse = await openWarehouse(spec, ctx.env);
  try {
    const log = (message: string) => ctx.log.info(`silver ${target.model.name}: ${message}`);
    const rebuild = request.mode?.kind === "rebuild";
    if (rebuild)
      log(`rebuilding from the current rows of bronze table ${spec.bronzeSchema}.${target.table.name}`);
    const r = rebuild
      ? await warehouse.rebuildSilver(target)
      : await warehouse.applySilver(target, { fault, log });
    fault("silver:after-commit");
    ctx.log.info(
      `silver ${target.model.name}: versions ${r.versionFrom}..${r.versionTo}: ${r.inserted} inserted, ${r.updated} updated, ${r.deleted} deleted, ${r.unchanged} unchanged`,
    );
    const metrics: StepMetrics = {
      rowsRead: r.rowsRead,
      inserted: r.inserted,
      updated: r.updated,
      deleted: r.deleted,
      unchanged: r.unchanged,
      versionFrom: r.versionFrom,
      versionTo: r.versionTo,
    };
    metrics.lineage = await phase("silver: lineage", () =>
      silverLineage(spec, ctx.env, warehouse, target, metrics),
    );
    return metrics;
  } finally {
    await phase("silver: clean up", () => warehouse.close());
  }
};
