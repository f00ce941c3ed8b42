import type { SilverModel } from "../spec/types.ts";
import type { ProjectedColumn } from "./silver-projection.ts";

/**
 * The columns of a silver table, the same on every warehouse: the model's projected columns, SCD2's validity
 * columns, and the bookkeeping columns every merge sets. A warehouse names its own types for them.
 */

/** Bookkeeping column: the change-feed version a silver row was merged from. */
export const V = "_smelter_commit_version";
/** Bookkeeping column: when a silver row was last written. */
export const UPDATED = "_smelter_updated_at";

/** The warehouse's names of the types of SCD2's and the bookkeeping columns, and its identifier quoting. */
export interface SilverTableTypes {
  quoteIdent(name: string): string;
  bigint: string;
  boolean: string;
  timestamp: string;
}

/**
 * The column definitions of a new silver table: the model's columns (its key NOT NULL), then `valid_from`,
 * `valid_to` and `is_current` for SCD2, then the bookkeeping columns V and UPDATED.
 */
export function silverColumnDefinitions(
  model: SilverModel,
  cols: ProjectedColumn[],
  types: SilverTableTypes,
): string[] {
  const { quoteIdent, bigint, boolean, timestamp } = types;
  const defs = cols.map(
    (c) => `${quoteIdent(c.name)} ${c.type}${model.key.includes(c.name) ? " NOT NULL" : ""}`,
  );
  if (model.scd === 2)
    defs.push(`valid_from ${timestamp} NOT NULL`, `valid_to ${timestamp}`, `is_current ${boolean} NOT NULL`);
  defs.push(`${quoteIdent(V)} ${bigint} NOT NULL`, `${quoteIdent(UPDATED)} ${timestamp} NOT NULL`);
  return defs;
}

/**
 * The model's columns a silver table holding `existing` lacks: a model that gained columns gets them added, and
 * rows written before keep NULL until their key changes.
 */
export function addedColumns(cols: ProjectedColumn[], existing: { name: string }[]): ProjectedColumn[] {
  const have = new Set(existing.map((c) => c.name));
  return cols.filter((c) => !have.has(c.name));
}
