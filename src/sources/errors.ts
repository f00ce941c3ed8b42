import { ConfigError, SmelterError, TransientError } from "../errors.ts";

/** Driver error codes that a retry cannot fix: the spec names something that does not exist or is not allowed. */
const CONFIG_CODES = new Set([
  // MariaDB/MySQL
  "ER_BAD_FIELD_ERROR",
  "ER_NO_SUCH_TABLE",
  "ER_BAD_DB_ERROR",
  "ER_PARSE_ERROR",
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_TABLEACCESS_DENIED_ERROR",
  "ER_COLUMNACCESS_DENIED_ERROR",
  // PostgreSQL SQLSTATEs: undefined column/table/schema, syntax error, insufficient privilege, bad password, no db
  "42703",
  "42P01",
  "3F000",
  "42601",
  "42501",
  "28P01",
  "28000",
  "3D000",
]);

/**
 * Maps a driver error to a SmelterError naming the source and table: unknown tables, columns and denied access
 * are ConfigErrors; everything else (connection loss, timeouts, deadlocks) is transient.
 */
export function sourceError(error: unknown, where: string): SmelterError {
  if (error instanceof SmelterError) return error;
  const e = error as { code?: string; message?: string };
  const code = e.code ?? "";
  const detail = `${code ? `${code}: ` : ""}${e.message ?? String(error)}`;
  if (CONFIG_CODES.has(code)) return new ConfigError(`${where}: ${detail}`, error);
  return new TransientError(`${where}: ${detail} (a retry may help)`, error);
}
