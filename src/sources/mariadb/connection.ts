import type mysql from "mysql2/promise";
import { ConfigError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";

/**
 * Opens one MariaDB/MySQL connection set up to read values exactly: utf8mb4, big integers and decimals as
 * strings, dates as the server's text (no JS Date zone shifts), JSON as text, rows as arrays.
 */
export async function connectMariadb(
  db: ResolvedDatabase,
  statementTimeoutMs: number,
): Promise<mysql.Connection> {
  if (!/^[+-]\d{2}:\d{2}$/.test(db.timezone)) {
    throw new ConfigError(
      `connections.${db.name}.timezone: expected an offset like "+00:00", got "${db.timezone}" ` +
        "(an offset keeps TIMESTAMP values unambiguous)",
    );
  }
  // mysql2 is loaded on the first connection: commands that read no source (`smelter validate`) start without it.
  const { createConnection } = await import("mysql2/promise");
  let conn: mysql.Connection;
  try {
    conn = await createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
      charset: "utf8mb4",
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
      jsonStrings: true,
      rowsAsArray: true,
      connectTimeout: 15_000,
    });
  } catch (error) {
    throw sourceError(error, `source ${db.name} (${db.kind} ${db.host}:${db.port}/${db.database})`);
  }
  // A connection the server ends while no command runs (a kept one idle between executions, a KILL) reports it
  // as an 'error' event: with no listener that would end the process. The next command on it fails instead.
  conn.on("error", () => undefined);
  try {
    await conn.query("SET SESSION time_zone = ?", [db.timezone]);
    await conn.query("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    await setStatementTimeout(conn, db.kind, statementTimeoutMs);
  } catch (error) {
    await conn.end().catch(() => undefined);
    throw sourceError(error, `source ${db.name}`);
  }
  return conn;
}

/** MariaDB limits statements in seconds (`max_statement_time`), MySQL limits SELECTs in ms (`max_execution_time`). */
async function setStatementTimeout(conn: mysql.Connection, kind: string, ms: number): Promise<void> {
  if (ms <= 0) return;
  const [rows] = await conn.query("SELECT VERSION()");
  const version = String((rows as unknown[][])[0]?.[0] ?? "");
  if (kind === "mariadb" || /mariadb/i.test(version)) {
    await conn.query(`SET SESSION max_statement_time = ${Math.ceil(ms / 1000)}`);
  } else {
    await conn.query(`SET SESSION max_execution_time = ${Math.ceil(ms)}`);
  }
}
