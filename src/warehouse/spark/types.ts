import type { LogicalType } from "../../logical-type.ts";
import type { LandedColumn } from "../types.ts";
import { sparkType } from "./sql.ts";

/**
 * Neutral type → Delta (Spark SQL) type of bronze columns (docs/warehouse-spark.md). Integers take the smallest
 * signed type that holds every value, so unsigned ones move up a size and UBIGINT becomes DECIMAL(20,0), as
 * Spark reads parquet's UINT64. Spark 4.0 has no TIME, INTERVAL-as-text, UUID, INET or JSON column type: those
 * keep their landed text in STRING (JSON paths are read with `get_json_object`). Decimals wider than Spark's 38
 * digits, and unconstrained ones, land as their exact text and stay STRING.
 */

const SIGNED = { 8: "TINYINT", 16: "SMALLINT", 32: "INT", 64: "BIGINT" } as const;
const UNSIGNED = { 8: "SMALLINT", 16: "INT", 32: "BIGINT", 64: "DECIMAL(20,0)" } as const;

/** The most digits a Spark DECIMAL holds. */
const MAX_PRECISION = 38;

/** The Delta column type of a neutral type. */
export function deltaType(t: LogicalType): string {
  switch (t.type) {
    case "boolean":
      return "BOOLEAN";
    case "int":
      return (t.signed ? SIGNED : UNSIGNED)[t.bits];
    case "float":
      return t.bits === 32 ? "FLOAT" : "DOUBLE";
    case "decimal":
      return t.precision === null || t.precision > MAX_PRECISION
        ? "STRING"
        : `DECIMAL(${t.precision},${t.scale ?? 0})`;
    case "binary":
      return "BINARY";
    case "date":
      return "DATE";
    case "timestamp":
      return t.zoned ? "TIMESTAMP" : "TIMESTAMP_NTZ";
    case "string":
    case "json":
    case "uuid":
    case "inet":
    case "time":
    case "interval":
    case "array":
      return "STRING";
  }
}

/** The type bronze gives a landed column: the spec's override (aliases resolved), else its neutral type's. */
export function columnType(column: LandedColumn): string {
  return column.override
    ? sparkType(column.override, `type_overrides.${column.name}`)
    : deltaType(column.logical);
}
