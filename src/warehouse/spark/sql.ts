import { ConfigError } from "../../errors.ts";

/**
 * SQL text for Spark. The HiveServer2 protocol has no bind parameters, so every identifier goes through
 * `quoteIdent` and every value through `literal`: the one place where values are escaped.
 */

/** Quotes a Spark identifier with backticks (a backtick inside is doubled). */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** `schema`.`name`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A string literal. Spark reads backslash escapes inside string literals, so backslashes are doubled and quotes
 * escaped with a backslash; every other character stands for itself (newlines and tabs included).
 */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A number spliced into SQL, checked to be an integer. */
export function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** `a.`x` <=> b.`x` AND ...`: null-safe equality over columns. */
export function sameValues(left: string, right: string, columns: string[]): string {
  return columns.map((c) => `${left}.${quoteIdent(c)} <=> ${right}.${quoteIdent(c)}`).join(" AND ");
}

/** `a.`k` = b.`k` AND ...` over key columns. */
export function joinOn(left: string, right: string, keys: string[]): string {
  return keys.map((k) => `${left}.${quoteIdent(k)} = ${right}.${quoteIdent(k)}`).join(" AND ");
}

/**
 * Type names specs may use whatever the warehouse (`type_overrides`, silver column types): PostgreSQL spellings
 * Spark lacks, mapped to the Spark type with the same values, so that a spec moves between warehouses unchanged.
 */
const ALIASES: Record<string, string> = {
  text: "STRING",
  json: "STRING",
  jsonb: "STRING",
  uuid: "STRING",
  inet: "STRING",
  bytea: "BINARY",
  int2: "SMALLINT",
  int4: "INT",
  int8: "BIGINT",
  real: "FLOAT",
  float4: "FLOAT",
  float8: "DOUBLE",
  "double precision": "DOUBLE",
  bool: "BOOLEAN",
  timestamptz: "TIMESTAMP",
  "timestamp with time zone": "TIMESTAMP",
  "timestamp without time zone": "TIMESTAMP_NTZ",
};

const SIMPLE =
  /^(boolean|tinyint|byte|smallint|short|int|integer|bigint|long|float|double|date|timestamp|timestamp_ntz|timestamp_ltz|string|binary|variant)$/i;
const PARAMETERIZED = /^(decimal|dec|numeric|varchar|char|character)\s*\(\s*\d+\s*(,\s*\d+\s*)?\)$/i;

/**
 * The Spark type a spec's type name stands for (aliases resolved), checked before it is spliced into DDL (types
 * cannot be bound). Nested types (ARRAY, MAP, STRUCT) are not accepted. `where` names the spec path.
 */
export function sparkType(type: string, where: string): string {
  const trimmed = type.trim().replace(/\s+/g, " ");
  const alias = ALIASES[trimmed.toLowerCase()];
  if (alias) return alias;
  const numeric = /^numeric\s*(\(.*\))$/i.exec(trimmed);
  if (numeric) return `DECIMAL${numeric[1]?.replace(/\s+/g, "")}`;
  if (SIMPLE.test(trimmed) || PARAMETERIZED.test(trimmed)) return trimmed.toUpperCase().replace(/\s+/g, "");
  throw new ConfigError(`${where}: "${type}" is not a Spark SQL type name`);
}
