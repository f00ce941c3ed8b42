import { DataError } from "../errors.ts";
import type { BronzeLoad } from "./types.ts";

/*
 * Schema evolution of a bronze table, decided once for every warehouse: which landed columns the table lacks and
 * what the table's `bronze.schema_evolution` mode does about them. A warehouse only runs the DDL the decision asks
 * for. Columns the table has and the batches lack need no decision: they stay, and are NULL in the rows the
 * batches write. Nor does a column whose type changed at the source: it keeps its bronze type, and the warehouse
 * casts its values on the way in (docs/bronze-silver.md#schema-evolution).
 */

/** The bronze column that holds, as a JSON object, the values of landed columns the table lacks (`rescue`). */
export const RESCUED = "_rescued_data";

/** What a bronze commit does about the landed columns its table lacks. */
export interface Evolution<C extends { name: string }> {
  /** Landed columns to add to the table (`add_columns`), in landed order. */
  add: C[];
  /** Landed columns whose values go into `_rescued_data` (`rescue`), in landed order. */
  rescued: string[];
  /** `_rescued_data` is to be added to the table first (`rescue`, a table that lacks it). */
  addRescueColumn: boolean;
}

/**
 * Decides what a commit of `load` does about the columns of `landed` that the table (whose columns are
 * `existing`, bookkeeping included) lacks: `add_columns` adds them, `rescue` routes their values into
 * `_rescued_data`, `fail` throws a DataError naming the table, the first batch and the columns (not retryable).
 */
export function evolveBronze<C extends { name: string }>(
  load: Pick<BronzeLoad, "schema" | "table" | "batches" | "manifestKeys">,
  landed: readonly C[],
  existing: readonly { name: string }[],
): Evolution<C> {
  const known = new Set(existing.map((c) => c.name));
  const unknown = landed.filter((c) => !known.has(c.name));
  if (unknown.length === 0) return { add: [], rescued: [], addRescueColumn: false };
  const { schema, table } = load;
  switch (table.bronze.schemaEvolution) {
    case "fail": {
      const names = unknown.map((c) => c.name).join(", ");
      const first = load.batches[0];
      const where = first ? `batch ${first.batchId} (${load.manifestKeys[0]})` : "";
      throw new DataError(
        `bronze table ${schema}.${table.name}: ${where} brings new column(s) ${names} and tables.${table.name}.bronze.schemaEvolution is "fail"; add them to bronze by hand or choose add_columns/rescue (retrying will not help)`,
      );
    }
    case "add_columns":
      return { add: unknown, rescued: [], addRescueColumn: false };
    case "rescue":
      return { add: [], rescued: unknown.map((c) => c.name), addRescueColumn: !known.has(RESCUED) };
  }
}
