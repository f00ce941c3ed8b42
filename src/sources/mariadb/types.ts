import { DataError } from "../../errors.ts";
import type { ColumnMapping, SourceColumn } from "../types.ts";

/**
 * MariaDB/MySQL type → DuckDB/parquet type → PostgreSQL warehouse type. The table in docs/types.md lists the same
 * mapping; keep the two together. Values arrive from mysql2 as strings (numbers for small integers, Buffers for
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

function dateMapping(parquetType: string, warehouseType: string, suffix = ""): ColumnMapping {
  const nulled = { reason: "zero date (0000-00-00) landed as NULL", count: 0 };
  return {
    parquetType,
    warehouseType,
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

const INTEGERS: Record<string, [signed: [string, string], unsigned: [string, string]]> = {
  tinyint: [
    ["TINYINT", "smallint"],
    ["UTINYINT", "smallint"],
  ],
  smallint: [
    ["SMALLINT", "smallint"],
    ["USMALLINT", "integer"],
  ],
  mediumint: [
    ["INTEGER", "integer"],
    ["INTEGER", "integer"],
  ],
  int: [
    ["INTEGER", "integer"],
    ["UINTEGER", "bigint"],
  ],
  bigint: [
    ["BIGINT", "bigint"],
    ["UBIGINT", "numeric(20,0)"],
  ],
};

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
      warehouseType: "boolean",
      input: "text",
      toText: (v) => {
        if (v === null || v === undefined) return null;
        // BIT arrives as bytes, integers as numbers or text.
        const zero = Buffer.isBuffer(v) ? bitToBigInt(v) === 0n : Number(v) === 0;
        return zero ? "false" : "true";
      },
    };
  }
  return { ...base, warehouseType: override };
}

function mapBase(column: SourceColumn, where: string, timezoneSuffix: string): ColumnMapping {
  const type = column.dataType;
  const unsigned = /\bunsigned\b/i.test(column.columnType);
  const integer = INTEGERS[type];
  if (integer) {
    const [parquetType, warehouseType] = unsigned ? integer[1] : integer[0];
    return { parquetType, warehouseType, input: "text", toText: text, wire: VERBATIM };
  }
  if (STRINGS.has(type)) return { parquetType: "VARCHAR", warehouseType: "text", input: "text" };
  if (BINARIES.has(type)) return { parquetType: "BLOB", warehouseType: "bytea", input: "blob" };
  switch (type) {
    case "decimal": {
      const p = column.precision ?? 10;
      const s = column.scale ?? 0;
      if (p > DUCKDB_MAX_DECIMAL)
        return { parquetType: "VARCHAR", warehouseType: `numeric(${p},${s})`, input: "text" };
      return { parquetType: `DECIMAL(${p},${s})`, warehouseType: `numeric(${p},${s})`, input: "text" };
    }
    case "float":
      return { parquetType: "FLOAT", warehouseType: "real", input: "text", toText: text, wire: VERBATIM };
    case "double":
      return {
        parquetType: "DOUBLE",
        warehouseType: "double precision",
        input: "text",
        toText: text,
        wire: VERBATIM,
      };
    case "year":
      return {
        parquetType: "SMALLINT",
        warehouseType: "smallint",
        input: "text",
        toText: text,
        wire: VERBATIM,
      };
    case "date":
      return dateMapping("DATE", "date");
    case "datetime":
      return dateMapping("TIMESTAMP", "timestamp");
    case "timestamp":
      return dateMapping("TIMESTAMPTZ", "timestamptz", timezoneSuffix);
    case "time":
      // MySQL TIME spans -838:59:59..838:59:59, beyond a time of day: it is a duration.
      return { parquetType: "VARCHAR", warehouseType: "interval", input: "text" };
    case "json":
      return { parquetType: "JSON", warehouseType: "jsonb", input: "text" };
    case "uuid":
      return { parquetType: "UUID", warehouseType: "uuid", input: "text" };
    case "inet4":
    case "inet6":
      return { parquetType: "VARCHAR", warehouseType: "inet", input: "text" };
    case "bit": {
      if ((column.precision ?? 1) === 1) {
        return {
          parquetType: "BOOLEAN",
          warehouseType: "boolean",
          input: "text",
          toText: (v) =>
            v === null || v === undefined ? null : bitToBigInt(v as Buffer) === 0n ? "false" : "true",
        };
      }
      return {
        parquetType: "UBIGINT",
        warehouseType: "numeric(20,0)",
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
