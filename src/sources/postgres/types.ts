import { DataError } from "../../errors.ts";
import type { ColumnMapping, SourceColumn } from "../types.ts";

/**
 * PostgreSQL type → DuckDB/parquet type → PostgreSQL warehouse type (docs/types.md). Values arrive as the
 * server's text (every type parser returns the raw string, bytea excepted) and DuckDB casts the text exactly.
 */

const DUCKDB_MAX_DECIMAL = 38;

const SIMPLE: Record<string, [parquet: string, warehouse: string]> = {
  smallint: ["SMALLINT", "smallint"],
  integer: ["INTEGER", "integer"],
  bigint: ["BIGINT", "bigint"],
  real: ["FLOAT", "real"],
  "double precision": ["DOUBLE", "double precision"],
  boolean: ["BOOLEAN", "boolean"],
  text: ["VARCHAR", "text"],
  "character varying": ["VARCHAR", "text"],
  character: ["VARCHAR", "text"],
  date: ["DATE", "date"],
  "timestamp without time zone": ["TIMESTAMP", "timestamp"],
  "timestamp with time zone": ["TIMESTAMPTZ", "timestamptz"],
  "time without time zone": ["TIME", "time"],
  json: ["JSON", "json"],
  jsonb: ["JSON", "jsonb"],
  uuid: ["UUID", "uuid"],
  interval: ["VARCHAR", "interval"],
  inet: ["VARCHAR", "inet"],
  "USER-DEFINED": ["VARCHAR", "text"],
};

/** The landing type of a PostgreSQL column. */
export function mapPostgresColumn(column: SourceColumn, where: string, override?: string): ColumnMapping {
  const base = mapBase(column, where);
  return override ? { ...base, warehouseType: override } : base;
}

function mapBase(column: SourceColumn, where: string): ColumnMapping {
  const simple = SIMPLE[column.dataType];
  if (simple) return { parquetType: simple[0], warehouseType: simple[1], input: "text" };
  if (column.dataType === "bytea") return { parquetType: "BLOB", warehouseType: "bytea", input: "blob" };
  if (column.dataType === "numeric") {
    if (column.precision === null) return { parquetType: "VARCHAR", warehouseType: "numeric", input: "text" };
    const p = column.precision;
    const s = column.scale ?? 0;
    if (p > DUCKDB_MAX_DECIMAL)
      return { parquetType: "VARCHAR", warehouseType: `numeric(${p},${s})`, input: "text" };
    return { parquetType: `DECIMAL(${p},${s})`, warehouseType: `numeric(${p},${s})`, input: "text" };
  }
  if (column.dataType === "ARRAY") {
    // Arrays land as their PostgreSQL text form and are cast back to the same array type in the warehouse.
    return { parquetType: "VARCHAR", warehouseType: column.columnType, input: "text" };
  }
  throw new DataError(
    `${where}: column "${column.name}" has type ${column.columnType}, which smelter cannot land; ` +
      "exclude it (columns.exclude) or select it cast to a supported type in a query",
  );
}
