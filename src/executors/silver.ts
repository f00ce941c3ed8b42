import { ConfigError } from "../errors.ts";
import type { PipelineSpec, SilverModel } from "../spec/types.ts";
import { faultHook } from "../warehouse/fault.ts";
import { openWarehouse } from "../warehouse/index.ts";
import type { SilverTarget } from "../warehouse/types.ts";
import { tableSpec } from "./bronze.ts";
import type { Executor } from "./types.ts";

/** The silver model a request names (`table` is the model name for silver requests) and its bronze table. */
export function silverTarget(spec: PipelineSpec, name: string | undefined): SilverTarget {
  const model: SilverModel | undefined = spec.silver.find((m) => m.name === name);
  if (!model) throw new ConfigError(`pipeline ${spec.name}: no silver model named ${name ?? "(none)"}`);
  return {
    pipeline: spec.name,
    bronzeSchema: spec.bronzeSchema,
    silverSchema: spec.silverSchema,
    table: tableSpec(spec, model.from),
    model,
  };
}

/**
 * Silver: merges the bronze change feed since the model's checkpoint into the silver table, in one transaction
 * with the new checkpoint. Running it again with nothing new in the change feed changes nothing.
 */
export const silver: Executor = async (request, ctx) => {
  const spec = ctx.pipeline.spec;
  const target = silverTarget(spec, request.table);
  const fault = faultHook(ctx.env);
  const warehouse = await openWarehouse(spec, ctx.env);
  try {
    const log = (message: string) => ctx.log.info(`silver ${target.model.name}: ${message}`);
    const r = await warehouse.applySilver(target, { fault, log });
    fault("silver:after-commit");
    ctx.log.info(
      `silver ${target.model.name}: versions ${r.versionFrom}..${r.versionTo}: ${r.inserted} inserted, ${r.updated} updated, ${r.deleted} deleted, ${r.unchanged} unchanged`,
    );
    return {
      rowsRead: r.rowsRead,
      inserted: r.inserted,
      updated: r.updated,
      deleted: r.deleted,
      unchanged: r.unchanged,
      versionFrom: r.versionFrom,
      versionTo: r.versionTo,
    };
  } finally {
    await warehouse.close();
  }
};
