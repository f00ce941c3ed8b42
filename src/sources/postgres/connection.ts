import pg from "pg";
import { hostTarget, pgClient } from "../../db/pg.ts";
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
  const client = pgClient(hostTarget(db), {
    application: "smelter-extract",
    types: rawTypes,
    connectTimeoutMs: 15_000,
    statementTimeoutMs,
  });
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
