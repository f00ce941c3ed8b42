/**
 * The neutral type of a landed column: what a source says a column holds, independent of any warehouse.
 * Sources map their own types to these (src/sources/<db>/types.ts), manifests record them, and each warehouse
 * maps them to its own types (src/warehouse/<kind>/types.ts), as dlt destinations own their type mappers.
 * The parquet type a column is landed as is recorded next to it; docs/types.md lists both per source type.
 */
export type LogicalType =
  | { type: "boolean" }
  | { type: "int"; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { type: "float"; bits: 32 | 64 }
  /**
   * Exact decimal. `precision` null: unconstrained (PostgreSQL `numeric`). Wider than parquet's 38 digits (and
   * unconstrained) it lands as the value's exact text.
   */
  | { type: "decimal"; precision: number | null; scale: number | null }
  | { type: "string" }
  /** A JSON document; `verbatim`: the source keeps the document's text as written (key order, spacing). */
  | { type: "json"; verbatim?: boolean }
  | { type: "binary" }
  | { type: "uuid" }
  /** An IPv4 or IPv6 address (and, from PostgreSQL, a network), landed as text. */
  | { type: "inet" }
  | { type: "date" }
  /** A time of day with microseconds. */
  | { type: "time" }
  /** A duration (MySQL TIME spans ±838 hours; PostgreSQL interval), landed as the source's text. */
  | { type: "interval" }
  /** Microsecond timestamp; `zoned`: an instant (landed in UTC), otherwise a wall-clock time without zone. */
  | { type: "timestamp"; zoned: boolean }
  /** A PostgreSQL array, landed as its text form (`{1,2,NULL}`) with the element type named. */
  | { type: "array"; of: LogicalType };

/** A short, stable name of a logical type for messages, fingerprints and docs (`int64`, `decimal(20,4)`). */
export function logicalName(t: LogicalType): string {
  switch (t.type) {
    case "int":
      return `${t.signed ? "int" : "uint"}${t.bits}`;
    case "float":
      return `float${t.bits}`;
    case "decimal":
      return t.precision === null ? "decimal" : `decimal(${t.precision},${t.scale ?? 0})`;
    case "json":
      return t.verbatim ? "json(verbatim)" : "json";
    case "timestamp":
      return t.zoned ? "timestamptz" : "timestamp";
    case "array":
      return `${logicalName(t.of)}[]`;
    default:
      return t.type;
  }
}
