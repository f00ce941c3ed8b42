import { ConfigError, DataError } from "../errors.ts";
import type { SilverResult, SilverTarget } from "./types.ts";

/**
 * What the silver step of every warehouse checks before it merges: that the bronze table keeps a change feed and
 * exists, and that the versions after the model's checkpoint are still in the change feed. The errors say
 * whether a retry can help.
 */

/** Throws the ConfigError of a model whose bronze table keeps no change feed (`bronze.changeFeed: false`). */
export function requireChangeFeed(target: SilverTarget): void {
  const { table, model } = target;
  if (!table.bronze.changeFeed) {
    throw new ConfigError(
      `silver.${model.name}: bronze table ${table.name} has bronze.changeFeed: false; silver reads the change feed`,
    );
  }
}

/** The bronze table's columns, or a retryable DataError when there is no bronze table yet (`columns` null). */
export function requireBronze<C>(target: SilverTarget, columns: C[] | null): C[] {
  if (columns === null) {
    throw new DataError(
      `silver model ${target.model.name}: bronze table ${target.bronzeSchema}.${target.table.name} does not exist yet; run bronze first (a retry after bronze helps)`,
    );
  }
  return columns;
}

/**
 * Throws when versions after the checkpoint `from` were pruned from the change feed (up to `floor`): only a
 * rebuild from bronze recovers, so retrying will not help.
 */
export function requireUnpruned(target: SilverTarget, from: number, floor: number): void {
  const { table, model, bronzeSchema } = target;
  if (from < floor) {
    throw new DataError(
      `silver model ${model.name}: versions ${from + 1}..${floor} of table ${bronzeSchema}.${table.name} were pruned from the change feed; rebuild silver from bronze (smelter's rebuildSilver) — a retry will not help`,
    );
  }
}

/** The result of a silver run that found no version after its checkpoint `from`. */
export function nothingNew(from: number): SilverResult {
  return {
    versionFrom: from,
    versionTo: from,
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
  };
}
