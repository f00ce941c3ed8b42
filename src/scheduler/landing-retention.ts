import { openLandingZone } from "../landing/index.ts";
import { pruneLandedBatches } from "../landing/retention.ts";
import { resolveLanding } from "../spec/resolve.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { openWarehouse } from "../warehouse/index.ts";

/**
 * Landing retention of one table for the retention job: the landing zone's batches older than `olderThanDays`
 * that the pipeline's warehouse has checkpointed (see `pruneLandedBatches`).
 */
export async function pruneLanding(
  spec: PipelineSpec,
  table: string,
  env: NodeJS.ProcessEnv,
  options: { olderThanDays: number; now?: Date },
): Promise<{ batches: number; objects: number }> {
  const zone = openLandingZone(resolveLanding(spec, spec.landing, env));
  return pruneLandedBatches(
    zone,
    spec.name,
    table,
    async () => {
      const warehouse = await openWarehouse(spec, env);
      try {
        return await warehouse.checkpointedBatches(spec.name, spec.bronzeSchema, table);
      } finally {
        await warehouse.close();
      }
    },
    options,
  );
}
