import type { LogicalType } from "../../logical-type.ts";
import type { LandedColumn } from "../types.ts";

/**
 * Neutral type → PostgreSQL type of bronze columns (docs/types.md). Integers take the smallest signed type that
 * holds every value, so unsigned ones move up a size and UBIGINT becomes numeric(20,0); every other type has an
 * exact counterpart.
 */

const SIGNED = { 8: "smallint", 16: "smallint", 32: "integer", 64: "bigint" } as const;
const UNSIGNED = { 8: "smallint", 16: "integer", 32: "bigint", 64: "numeric(20,0)" } as const;

/** The PostgreSQL type of a neutral type. */
export function postgresType(t: LogicalType): string {
  switch (t.type) {
    case "boolean":
      return "boolean";
    case "int":
      return (t.signed ? SIGNED : UNSIGNED)[t.bits];
    case "float":
      return t.bits === 32 ? "real" : "double precision";
    case "decimal":
      return t.precision === null ? "numeric" : `numeric(${t.precision},${t.scale ?? 0})`;
    case "string":
      return "text";
    case "json":
      return t.verbatim ? "json" : "jsonb";
    case "binary":
      return "bytea";
    case "uuid":
      return "uuid";
    case "inet":
      return "inet";
    case "date":
      return "date";
    case "time":
      return "time";
    case "interval":
      return "interval";
    case "timestamp":
      return t.zoned ? "timestamptz" : "timestamp";
    case "array":
      return `${postgresType(t.of)}[]`;
  }
}

/** The type bronze gives a landed column: the spec's override, else the mapping of its neutral type. */
export function columnType(column: LandedColumn): string {
  return column.override ?? postgresType(column.logical);
}
