import { DataError } from "../../errors.ts";
import type { LogicalType } from "../../logical-type.ts";
import type { ColumnMapping, SourceColumn } from "../types.ts";

/**
 * MariaDB/MySQL type → DuckDB/parquet type and neutral logical type (each warehouse maps the latter to its own
 * types). The table in docs/types.md lists the same mapping; keep the two together. Values arrive from mysql2 as strings (numbers for small integers, Buffers for
 * binary and BIT) and DuckDB casts the text exactly.
 */

/** The server's text of numbers is their exact value: the wire bytes are copied as they are. */
const VERBATIM = { kind: "verbatim" } as const;

/** DuckDB DECIMAL holds at most 38 digits; wider MySQL decimals land as their exact text. */
const DUCKDB_MAX_DECIMAL = 38;

const ZERO_DATE = /^0000-|-00(?:$|[ T-])/;

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : String(value);
}

/** A number whose text on the wire is the text it lands as (integers, floats, YEAR). */
function wireNumber(parquetType: string, logical: LogicalType): ColumnMapping {
  return { parquetType, logical, input: "text", toText: text, wire: VERBATIM };
}

function dateMapping(parquetType: string, logical: LogicalType, suffix = ""): ColumnMapping {
  const nulled = { reason: "zero date (0000-00-00) landed as NULL", count: 0 };
  return {
    parquetType,
    logical,
    input: "text",
    nulled,
    wire: { kind: "zeroDate", suffix },
    toText: (value) => {
      if (value === null || value === undefined) return null;
      const s = String(value);
      if (ZERO_DATE.test(s)) {
        nulled.count += 1;
        return null;
      }
      return suffix ? `${s}${suffix}` : s;
    },
  };
}

/** BIT(n) arrives as big-endian bytes. */
function bitToBigInt(value: Buffer): bigint {
  let out = 0n;
  for (const byte of value) out = (out << 8n) | BigInt(byte);
  return out;
}

/** Integer types: parquet type and width, signed and unsigned (an unsigned type lands in its own unsigned width). */
const INTEGERS: Record<string, [signed: string, unsigned: string, bits: 8 | 16 | 32 | 64]> = {
  tinyint: ["TINYINT", "UTINYINT", 8],
  smallint: ["SMALLINT", "USMALLINT", 16],
  // MEDIUMINT (24 bits either way) fits a signed 32-bit integer.
  mediumint: ["INTEGER", "INTEGER", 32],
  int: ["INTEGER", "UINTEGER", 32],
  bigint: ["BIGINT", "UBIGINT", 64],
};

const BOOLEAN: LogicalType = { type: "boolean" };

const STRINGS = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);
const BINARIES = new Set(["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);

/**
 * The landing type of a MariaDB/MySQL column. `timezoneSuffix` is the session time zone TIMESTAMP values are read
 * in (e.g. `+00:00`), appended so that DuckDB stores the exact instant.
 */
export function mapMariadbColumn(
  column: SourceColumn,
  where: string,
  timezoneSuffix: string,
  override?: string,
): ColumnMapping {
  const base = mapBase(column, where, timezoneSuffix);
  if (!override) return base;
  if (override.toLowerCase() === "boolean" && /int|bit/.test(column.dataType)) {
    return {
      parquetType: "BOOLEAN",
      logical: BOOLEAN,
      input: "text",
      toText: (v) => {
        if (v === null || v === undefined) return null;
        // BIT arrives as bytes, integers as numbers or text.
        const zero = Buffer.isBuffer(v) ? bitToBigInt(v) === 0n : Number(v) === 0;
        return zero ? "false" : "true";
      },
    };
  }
  return base;
}

function mapBase(column: SourceColumn, where: string, timezoneSuffix: string): ColumnMapping {
  const type = column.dataType;
  const unsigned = /\bunsigned\b/i.test(column.columnType);
  const integer = INTEGERS[type];
  if (integer) {
    const [signedType, unsignedType, bits] = integer;
    // MEDIUMINT UNSIGNED lands signed: 32 bits hold its 24.
    const logical: LogicalType = { type: "int", bits, signed: !unsigned || type === "mediumint" };
    return wireNumber(unsigned ? unsignedType : signedType, logical);
  }
  if (STRINGS.has(type)) return { parquetType: "VARCHAR", logical: { type: "string" }, input: "text" };
  if (BINARIES.has(type)) return { parquetType: "BLOB", logical: { type: "binary" }, input: "blob" };
  switch (type) {
    case "decimal": {
      const p = column.precision ?? 10;
      const s = column.scale ?? 0;
      const logical: LogicalType = { type: "decimal", precision: p, scale: s };
      if (p > DUCKDB_MAX_DECIMAL) return { parquetType: "VARCHAR", logical, input: "text" };
      return { parquetType: `DECIMAL(${p},${s})`, logical, input: "text" };
    }
    case "float":
      return wireNumber("FLOAT", { type: "float", bits: 32 });
    case "double":
      return wireNumber("DOUBLE", { type: "float", bits: 64 });
    case "year":
      return wireNumber("SMALLINT", { type: "int", bits: 16, signed: true });
    case "date":
      return dateMapping("DATE", { type: "date" });
    case "datetime":
      return dateMapping("TIMESTAMP", { type: "timestamp", zoned: false });
    case "timestamp":
      return dateMapping("TIMESTAMPTZ", { type: "timestamp", zoned: true }, timezoneSuffix);
    case "time":
      // MySQL TIME spans -838:59:59..838:59:59, beyond a time of day: it is a duration.
      return { parquetType: "VARCHAR", logical: { type: "interval" }, input: "text" };
    case "json":
      return { parquetType: "JSON", logical: { type: "json" }, input: "text" };
    case "uuid":
      // As its text: Spark 4.0 cannot read parquet's UUID type (PARQUET_TYPE_ILLEGAL).
      return { parquetType: "VARCHAR", logical: { type: "uuid" }, input: "text" };
    case "inet4":
    case "inet6":
      return { parquetType: "VARCHAR", logical: { type: "inet" }, input: "text" };
    case "bit": {
      if ((column.precision ?? 1) === 1) {
        return {
          parquetType: "BOOLEAN",
          logical: BOOLEAN,
          input: "text",
          toText: (v) =>
            v === null || v === undefined ? null : bitToBigInt(v as Buffer) === 0n ? "false" : "true",
        };
      }
      return {
        parquetType: "UBIGINT",
        logical: { type: "int", bits: 64, signed: false },
        input: "text",
        toText: (v) => (v === null || v === undefined ? null : bitToBigInt(v as Buffer).toString()),
      };
    }
    default:
      throw new DataError(
        `${where}: column "${column.name}" has type ${column.columnType}, which smelter cannot land; ` +
          "exclude it (columns.exclude) or select it cast to a supported type in a query",
      );
  }
}
