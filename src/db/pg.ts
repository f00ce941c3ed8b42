import pg from "pg";

/**
 * The one way smelter opens PostgreSQL clients and pools (state database, PostgreSQL sources and warehouses):
 * a connection URL or host settings, the application name PostgreSQL shows for it, and an `error` listener so that
 * an idle connection the server drops never crashes the process (the next query on it reports the failure).
 */

/** Where to connect: a `postgres://` URL, or client settings (a password travels only here, never into messages). */
export type PgTarget = string | pg.ClientConfig;

/** The client settings of a resolved database connection (host, port, database, user, password only). */
export function hostTarget(db: {
  host: string;
  port: number;
  database: string;
  user?: string | undefined;
  password?: string | undefined;
}): pg.ClientConfig {
  return { host: db.host, port: db.port, database: db.database, user: db.user, password: db.password };
}

/** Settings every client and pool may take. */
export interface PgOptions {
  /** `application_name`, as `pg_stat_activity` shows it. */
  application: string;
  /** Value parsers (sources read every value as text). */
  types?: pg.CustomTypesConfig;
  /** Milliseconds to wait for a connection; default: pg's (no limit). */
  connectTimeoutMs?: number;
  /** Server-side `statement_timeout` in milliseconds; 0 or absent: none. */
  statementTimeoutMs?: number;
}

function config(target: PgTarget, o: PgOptions): pg.ClientConfig {
  return {
    ...(typeof target === "string" ? { connectionString: target } : target),
    application_name: o.application,
    ...(o.types ? { types: o.types } : {}),
    ...(o.connectTimeoutMs ? { connectionTimeoutMillis: o.connectTimeoutMs } : {}),
    ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
  };
}

/** A client, not yet connected. */
export function pgClient(target: PgTarget, options: PgOptions): pg.Client {
  const client = new pg.Client(config(target, options));
  client.on("error", () => undefined);
  return client;
}

/** A pool (connects on first use). */
export function pgPool(
  target: PgTarget,
  options: PgOptions & { max: number; idleTimeoutMs?: number; allowExitOnIdle?: boolean },
): pg.Pool {
  const pool = new pg.Pool({
    ...config(target, options),
    max: options.max,
    ...(options.idleTimeoutMs ? { idleTimeoutMillis: options.idleTimeoutMs } : {}),
    ...(options.allowExitOnIdle ? { allowExitOnIdle: true } : {}),
  });
  // An idle client's failure is the pool's 'error'; a checked-out client's is its own, and with no listener a
  // connection the server ends (a restart, pg_terminate_backend) would end the process. Its query fails all the
  // same, and the session that holds it destroys it.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/** `host:port/db` of a connection URL, without user or password, for messages. */
export function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
