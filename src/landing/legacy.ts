import { DataError } from "../errors.ts";
import type { LogicalType } from "../logical-type.ts";

/** Parquet (DuckDB) types that say everything about a column on their own. */
const BY_PARQUET: Record<string, LogicalType> = {
  BOOLEAN: { type: "boolean" },
  TINYINT: { type: "int", bits: 8, signed: true },
  UTINYINT: { type: "int", bits: 8, signed: false },
  SMALLINT: { type: "int", bits: 16, signed: true },
  USMALLINT: { type: "int", bits: 16, signed: false },
  INTEGER: { type: "int", bits: 32, signed: true },
  UINTEGER: { type: "int", bits: 32, signed: false },
  BIGINT: { type: "int", bits: 64, signed: true },
  UBIGINT: { type: "int", bits: 64, signed: false },
  FLOAT: { type: "float", bits: 32 },
  DOUBLE: { type: "float", bits: 64 },
  DATE: { type: "date" },
  TIME: { type: "time" },
  TIMESTAMP: { type: "timestamp", zoned: false },
  TIMESTAMPTZ: { type: "timestamp", zoned: true },
  UUID: { type: "uuid" },
  BLOB: { type: "binary" },
};

const TEXT: LogicalType = { type: "string" };

/** Array element types by PostgreSQL name (arrays of other types read as arrays of text). */
const ELEMENTS: Record<string, LogicalType | undefined> = {
  smallint: BY_PARQUET.SMALLINT,
  integer: BY_PARQUET.INTEGER,
  bigint: BY_PARQUET.BIGINT,
  boolean: BY_PARQUET.BOOLEAN,
  date: BY_PARQUET.DATE,
  uuid: BY_PARQUET.UUID,
};

/** Text-landed PostgreSQL warehouse types of legacy manifests, by name without modifiers. */
function fromWarehouseText(type: string): LogicalType | null {
  const t = type.trim().toLowerCase();
  const numeric = /^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (numeric) {
    return numeric[1]
      ? { type: "decimal", precision: Number(numeric[1]), scale: Number(numeric[2] ?? 0) }
      : { type: "decimal", precision: null, scale: null };
  }
  if (t === "interval") return { type: "interval" };
  if (t === "inet") return { type: "inet" };
  if (t.endsWith("[]")) {
    const element = t.slice(0, -2);
    return {
      type: "array",
      of: fromWarehouseText(element) ?? ELEMENTS[element.replace(/\(.*\)$/, "")] ?? TEXT,
    };
  }
  return null;
}

/**
 * The logical type of a column from a manifest written before manifests recorded neutral types: those named
 * the parquet type and a PostgreSQL warehouse type, which together say what the column holds.
 */
export function legacyLogicalType(parquetType: string, warehouseType: string, where: string): LogicalType {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(parquetType);
  if (decimal) return { type: "decimal", precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const known = BY_PARQUET[parquetType];
  if (known) return known;
  if (parquetType === "JSON")
    return /^json$/i.test(warehouseType.trim()) ? { type: "json", verbatim: true } : { type: "json" };
  if (parquetType === "VARCHAR") return fromWarehouseText(warehouseType) ?? TEXT;
  throw new DataError(`${where}: parquet type ${parquetType} has no neutral type; land the batch again`);
}
