import type { AirflowSettings } from "../spec/types.ts";
import type { AirflowClient } from "./client.ts";

/**
 * Makes the Airflow pool a spec names ready before its DAG is published (a task in a pool Airflow does not have
 * never runs): creates it with `pool_size` slots (default `max_active_tasks × pool_slots`, so that one run of the
 * pipeline fits), or sets an existing pool's slots to `pool_size` when the spec gives one; an existing pool is
 * otherwise left as it is (other pipelines may share it). Returns what it did, for the publish log; null when the
 * spec names no pool.
 */
export async function ensurePool(client: AirflowClient, settings: AirflowSettings): Promise<string | null> {
  const name = settings.pool;
  if (name === null) return null;
  const pool = await client.getPool(name);
  if (!pool) {
    const slots = settings.poolSize ?? settings.maxActiveTasks * settings.poolSlots;
    await client.createPool(name, slots, "created by smelter publish");
    return `created pool ${name} with ${slots} slots`;
  }
  if (settings.poolSize !== null && pool.slots !== settings.poolSize) {
    await client.setPoolSlots(pool, settings.poolSize);
    return `set pool ${name} from ${pool.slots} to ${settings.poolSize} slots`;
  }
  return `pool ${name} has ${pool.slots} slots`;
}
