import { DataError } from "../../errors.ts";
import type { LogicalType } from "../../logical-type.ts";
import type { ColumnMapping, SourceColumn } from "../types.ts";

/**
 * PostgreSQL type → DuckDB/parquet type and neutral logical type (docs/types.md). Values arrive as the
 * server's text (every type parser returns the raw string, bytea excepted) and DuckDB casts the text exactly.
 */

const DUCKDB_MAX_DECIMAL = 38;

const SIMPLE: Record<string, [parquet: string, logical: LogicalType]> = {
  smallint: ["SMALLINT", { type: "int", bits: 16, signed: true }],
  integer: ["INTEGER", { type: "int", bits: 32, signed: true }],
  bigint: ["BIGINT", { type: "int", bits: 64, signed: true }],
  real: ["FLOAT", { type: "float", bits: 32 }],
  "double precision": ["DOUBLE", { type: "float", bits: 64 }],
  boolean: ["BOOLEAN", { type: "boolean" }],
  text: ["VARCHAR", { type: "string" }],
  "character varying": ["VARCHAR", { type: "string" }],
  character: ["VARCHAR", { type: "string" }],
  date: ["DATE", { type: "date" }],
  "timestamp without time zone": ["TIMESTAMP", { type: "timestamp", zoned: false }],
  "timestamp with time zone": ["TIMESTAMPTZ", { type: "timestamp", zoned: true }],
  // TIME and UUID land as their text: Spark 4.0 reads neither parquet type (PARQUET_TYPE_ILLEGAL).
  "time without time zone": ["VARCHAR", { type: "time" }],
  json: ["JSON", { type: "json", verbatim: true }],
  jsonb: ["JSON", { type: "json" }],
  uuid: ["VARCHAR", { type: "uuid" }],
  interval: ["VARCHAR", { type: "interval" }],
  inet: ["VARCHAR", { type: "inet" }],
  "USER-DEFINED": ["VARCHAR", { type: "string" }],
};

/** The landing type of a PostgreSQL column. Type overrides are the warehouse's to apply. */
export function mapPostgresColumn(column: SourceColumn, where: string): ColumnMapping {
  const simple = SIMPLE[column.dataType];
  if (simple) return { parquetType: simple[0], logical: simple[1], input: "text" };
  if (column.dataType === "bytea") return { parquetType: "BLOB", logical: { type: "binary" }, input: "blob" };
  if (column.dataType === "numeric") {
    const logical: LogicalType = { type: "decimal", precision: column.precision, scale: column.scale };
    if (column.precision === null) return { parquetType: "VARCHAR", logical, input: "text" };
    const p = column.precision;
    const s = column.scale ?? 0;
    if (p > DUCKDB_MAX_DECIMAL)
      return { parquetType: "VARCHAR", logical: { ...logical, scale: s }, input: "text" };
    return { parquetType: `DECIMAL(${p},${s})`, logical: { ...logical, scale: s }, input: "text" };
  }
  if (column.dataType === "ARRAY") {
    // Arrays land as their PostgreSQL text form; the element type is what the warehouse needs to read it back.
    const element = elementType(column.columnType);
    if (element) return { parquetType: "VARCHAR", logical: { type: "array", of: element }, input: "text" };
  }
  throw new DataError(
    `${where}: column "${column.name}" has type ${column.columnType}, which smelter cannot land; ` +
      "exclude it (columns.exclude) or select it cast to a supported type in a query",
  );
}

/** The element type of a one-dimensional array type as `format_type` prints it (`numeric(10,2)[]`). */
function elementType(columnType: string): LogicalType | null {
  const match = /^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?\[\]$/.exec(columnType);
  if (!match) return null;
  const [, name, p, s] = match;
  if (name === "numeric") {
    return { type: "decimal", precision: p ? Number(p) : null, scale: p ? Number(s ?? 0) : null };
  }
  return SIMPLE[name as string]?.[1] ?? null;
}
