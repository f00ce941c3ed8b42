/**
 * Errors that can reach a user. Whether a retry can help is part of the error's type, so that the service can
 * answer Airflow with `retryable` and the operator can skip pointless retries.
 */

/** Wire form of an error: what the task hook API returns and the Airflow operator reads. */
export interface ErrorInfo {
  type: string;
  message: string;
  retryable: boolean;
}

/** Base class: `type` is a stable name for the kind of failure; `retryable` says whether trying again can help. */
export class SmelterError extends Error {
  readonly type: string;
  readonly retryable: boolean;

  constructor(type: string, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = type;
    this.type = type;
    this.retryable = options.retryable;
  }

  toInfo(): ErrorInfo {
    return { type: this.type, message: this.message, retryable: this.retryable };
  }
}

/** The spec or a request is wrong; retrying the same thing fails the same way. */
export class ConfigError extends SmelterError {
  constructor(message: string, cause?: unknown) {
    super("ConfigError", message, { retryable: false, cause });
  }
}

/** Data that cannot be applied as the spec says (a type that cannot be represented, a schema change in `fail` mode). */
export class DataError extends SmelterError {
  constructor(message: string, cause?: unknown) {
    super("DataError", message, { retryable: false, cause });
  }
}

/**
 * The source's log no longer holds the position change capture stopped at (purged, or a lost replication slot):
 * changes in between are gone, so only a re-sync (a new snapshot) brings the table back in step.
 */
export class LogPurgedError extends SmelterError {
  constructor(message: string) {
    super("LogPurged", message, { retryable: false });
  }
}

/** A system smelter depends on failed or was unreachable (source, warehouse, landing zone); a retry may help. */
export class TransientError extends SmelterError {
  constructor(message: string, cause?: unknown) {
    super("TransientError", message, { retryable: true, cause });
  }
}

/** Node socket error codes of a server that cannot be reached or dropped the connection: a retry can help. */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/** Another execution holds the (pipeline, table, step) lock. */
export class BusyError extends SmelterError {
  constructor(message: string) {
    super("Busy", message, { retryable: true });
  }
}

/** The execution was cancelled (by Airflow killing the task or by an operator). */
export class CancelledError extends SmelterError {
  constructor(message = "execution was cancelled") {
    super("Cancelled", message, { retryable: false });
  }
}

/**
 * Maps anything thrown to its wire form. Errors that are not SmelterErrors are unexpected: they are reported as
 * retryable, since most of them are network or database hiccups, and a bug fails again on the retry anyway.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof SmelterError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  return { type: "InternalError", message, retryable: true };
}
