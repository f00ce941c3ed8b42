import { ConfigError, DataError, SmelterError, TransientError, UNREACHABLE_CODES } from "../../errors.ts";

/**
 * Spark error classes of values that cannot be applied: bad data, retrying does not help. Found anywhere in the
 * message, as a failed task wraps the error class in "Job aborted due to stage failure".
 */
const DATA =
  /\[(CAST_INVALID_INPUT|CAST_OVERFLOW|NUMERIC_VALUE_OUT_OF_RANGE|ARITHMETIC_OVERFLOW|DIVIDE_BY_ZERO|INVALID_FRACTION_OF_SECOND|DATETIME_FIELD_OUT_OF_BOUNDS|DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE|DELTA_NOT_NULL_CONSTRAINT_VIOLATED|NOT_NULL_ASSERT_VIOLATION)/;

/** Spark error classes of SQL a spec wrote or a table that does not fit it: fix the spec. */
const CONFIG =
  /^\[(PARSE_SYNTAX_ERROR|UNRESOLVED_COLUMN|UNRESOLVED_ROUTINE|DATATYPE_MISMATCH|UNSUPPORTED_DATATYPE|INVALID_|DELTA_UNSUPPORTED|DELTA_CLUSTER|AMBIGUOUS_|WRONG_NUM_ARGS|INCOMPATIBLE_)/;

/** Delta's optimistic concurrency: another writer committed first; the next try sees its commit. */
const CONCURRENT = /Concurrent(Append|DeleteRead|DeleteDelete|Transaction|Write)Exception|DELTA_CONCURRENT/;

/**
 * How hive-driver's SASL PLAIN handshake rejects when the server refuses the user and password (its
 * `AuthenticationError`, which the package does not export): "Authentication error: " and the server's reason,
 * e.g. HiveServer2's "Error validating the login". The same credentials fail the same way on every retry.
 */
const AUTHENTICATION = /^Authentication error: /;

/** Longest statement excerpt quoted in a message. */
const SQL_EXCERPT = 300;

/** Spark's message without the JVM stack trace and server-side class names it sometimes carries. */
function cleanMessage(message: string): string {
  const firstLine = message.split(/\n\s+at /)[0] ?? message;
  return firstLine
    .replace(/^org\.apache\.hive\.service\.cli\.HiveSQLException: /, "")
    .trim()
    .slice(0, 2000);
}

/**
 * Turns a driver or Spark error into a SmelterError saying where it happened (`where`: warehouse, table, batch,
 * model), whether a retry can help, and the start of the statement that failed. Unreachable servers and Delta's
 * concurrent-commit conflicts are TransientErrors; values Spark cannot convert are DataErrors; refused credentials
 * and SQL errors of the spec's making are ConfigErrors. Credentials never appear: they are not part of any statement or address.
 */
export function sparkError(error: unknown, where: string, sql?: string): SmelterError {
  if (error instanceof SmelterError) return error;
  const e = error as { code?: unknown; message?: unknown; response?: { errorMessage?: string } };
  const raw = String(e.response?.errorMessage ?? e.message ?? error);
  const code = typeof e.code === "string" ? e.code : "";
  if (
    UNREACHABLE_CODES.has(code) ||
    /ECONNREFUSED|ECONNRESET|socket hang up|connection (closed|lost)/i.test(raw)
  ) {
    return new TransientError(`warehouse unavailable: ${where}: ${raw}`, error);
  }
  if (AUTHENTICATION.test(raw)) {
    return new ConfigError(
      `${where}: ${cleanMessage(raw)}; the server refused the warehouse connection's credentials: fix its user or password (a retry does not help)`,
      error,
    );
  }
  const message = cleanMessage(raw);
  const statement = sql ? ` (statement: ${sql.replace(/\s+/g, " ").trim().slice(0, SQL_EXCERPT)})` : "";
  const text = `${where}: ${message}`;
  if (CONCURRENT.test(raw)) return new TransientError(`${text}; another writer committed first`, error);
  const errorClass = message.replace(/^Error running query: (org\.apache\.[\w.]+: )?/, "");
  if (DATA.test(errorClass)) return new DataError(text, error);
  if (CONFIG.test(errorClass)) return new ConfigError(`${text}${statement}`, error);
  return new TransientError(`${text}${statement}`, error);
}
