import mysql from "mysql2/promise";
import { TransientError } from "../errors.ts";

/**
 * The demo's MariaDB connection. `SMELTER_MARIADB_URL` wins; otherwise the URL is built from the separate
 * variables the example pipeline reads (`SMELTER_MARIADB_HOST`, `_PORT`, `_USER`, `_PASSWORD`, `_DATABASE`),
 * each defaulting to the local stack's value, so the demo needs no configuration.
 */
export function demoSourceUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SMELTER_MARIADB_URL) return env.SMELTER_MARIADB_URL;
  const user = encodeURIComponent(env.SMELTER_MARIADB_USER ?? "smelter");
  const password = encodeURIComponent(env.SMELTER_MARIADB_PASSWORD ?? "smelter");
  const host = env.SMELTER_MARIADB_HOST ?? "127.0.0.1";
  const port = env.SMELTER_MARIADB_PORT ?? "13306";
  const database = env.SMELTER_MARIADB_DATABASE ?? "social";
  return `mysql://${user}:${password}@${host}:${port}/${database}`;
}

/** `host:port/database` of a URL, for messages: never the credentials. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "3306"}${parsed.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * Opens one connection with the settings the demo relies on: DATETIME and DECIMAL come back as strings (no time
 * zone or float conversion), BIGINT UNSIGNED as strings when beyond 2^53, utf8mb4 throughout.
 */
export async function connectDemoSource(url: string = demoSourceUrl()): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({
      uri: url,
      charset: "utf8mb4_unicode_ci",
      dateStrings: true,
      decimalNumbers: false,
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: "+00:00",
    });
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    throw new TransientError(
      `cannot connect to the demo MariaDB at ${describeUrl(url)} (${reason}); is the stack up ("scripts/stack up")?`,
      error,
    );
  }
}
