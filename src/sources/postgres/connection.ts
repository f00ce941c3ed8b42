import pg from "pg";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";

const BYTEA_OID = 17;
const byteaParser = pg.types.getTypeParser(BYTEA_OID);

/** Every value as the server's text (exact numerics, timestamps, int8), bytea as a Buffer. */
const rawTypes = {
  getTypeParser: (oid: number) => (oid === BYTEA_OID ? byteaParser : (value: string) => value),
} as pg.CustomTypesConfig;

/** Opens one PostgreSQL connection reading values as text, in UTC, with a statement timeout. */
export async function connectPostgres(db: ResolvedDatabase, statementTimeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    types: rawTypes,
    connectionTimeoutMillis: 15_000,
    application_name: "smelter-extract",
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // An idle connection that breaks emits 'error'; the pending query reports it, so only keep the process alive.
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SET TIME ZONE 'UTC'");
    await client.query("SET DateStyle = 'ISO, YMD'");
    await client.query("SET IntervalStyle = 'postgres'");
    await client.query("SET extra_float_digits = 3");
  } catch (error) {
    await client.end().catch(() => undefined);
    throw sourceError(error, `source ${db.name} (postgres ${db.host}:${db.port}/${db.database})`);
  }
  return client;
}
