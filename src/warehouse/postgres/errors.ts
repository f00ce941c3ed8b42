import { ConfigError, DataError, SmelterError, TransientError, UNREACHABLE_CODES } from "../../errors.ts";

/** SQLSTATE classes a retry can cure: connection, resources, serialization, operator intervention. */
const TRANSIENT_CLASSES = new Set(["08", "40", "53", "57", "58"]);

/**
 * SQLSTATE class 28, invalid authorization: a wrong password (28P01) or a role that may not log in or is refused
 * by pg_hba.conf (28000). The same credentials fail the same way on every retry.
 */
const AUTHORIZATION_CLASS = "28";

/**
 * Turns a driver error into a SmelterError that says where it happened (`where`: the warehouse connection, table,
 * batch, model) and whether a retry can help. Refused credentials (class 28) are a ConfigError, as they are on a
 * source (src/sources/errors.ts); bad data (class 22/23) a DataError; bad SQL from a spec (class 42) a ConfigError.
 */
export function warehouseError(error: unknown, where: string): SmelterError {
  if (error instanceof SmelterError) return error;
  const e = error as { code?: string; message?: string; column?: string; detail?: string };
  const message = e.message ?? String(error);
  const detail = [e.column ? `column ${e.column}` : "", e.detail ?? ""].filter(Boolean).join("; ");
  const text = `${where}: ${message}${detail ? ` (${detail})` : ""}`;
  const code = e.code ?? "";
  if (
    UNREACHABLE_CODES.has(code) ||
    TRANSIENT_CLASSES.has(code.slice(0, 2)) ||
    /Connection terminated/i.test(message)
  ) {
    return new TransientError(`warehouse unavailable: ${text}`, error);
  }
  if (code.startsWith(AUTHORIZATION_CLASS)) {
    return new ConfigError(
      `${text}; the server refused the warehouse connection's credentials: fix its user or password (a retry does not help)`,
      error,
    );
  }
  if (code.startsWith("22") || code.startsWith("23")) return new DataError(text, error);
  if (code.startsWith("42")) return new ConfigError(text, error);
  return new TransientError(text, error);
}
