import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import pg from "pg";
import { ConfigError } from "../../../../src/errors.ts";
import type { ResolvedDatabase } from "../../../../src/spec/resolve.ts";
import { postgresDialect } from "../../../../src/warehouse/postgres/dialect.ts";

/*
 * Connecting to the warehouse with credentials the server refuses: a ConfigError (a retry fails the same way) that
 * names the warehouse connection and never the password, whichever way PostgreSQL refuses.
 */

const url = process.env.SMELTER_WAREHOUSE_URL;

describe(
  "connecting to a PostgreSQL warehouse",
  {
    skip: url ? false : "SMELTER_WAREHOUSE_URL is not set: start the stack (scripts/stack up)",
  },
  () => {
    const u = new URL(url ?? "postgres://x@127.0.0.1/x");
    const db = (user: string, password: string): ResolvedDatabase => ({
      name: "wh_refused",
      kind: "postgres",
      host: u.hostname,
      port: Number(u.port || 5432),
      database: u.pathname.slice(1),
      user,
      password,
      timezone: "+00:00",
      maxConnections: 1,
    });
    after(() => postgresDialect.release());

    async function refusal(target: ResolvedDatabase): Promise<ConfigError> {
      const error = await postgresDialect.connect(target).then(
        () => assert.fail("the connection was accepted"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
      assert.equal(error.retryable, false);
      assert.equal(error.toInfo().type, "ConfigError");
      assert.match(error.message, /^warehouse wh_refused \(/);
      assert.match(error.message, /fix its user or password \(a retry does not help\)/);
      return error;
    }

    test("a wrong password (SQLSTATE 28P01) is a ConfigError naming the connection, not the password", async () => {
      const password = `wrong-${randomBytes(8).toString("hex")}`;
      const error = await refusal(db(decodeURIComponent(u.username), password));
      assert.equal((error.cause as { code?: string }).code, "28P01");
      assert.match(error.message, /password authentication failed/);
      assert.equal(error.message.includes(password), false);
    });

    test("a role that may not log in (SQLSTATE 28000) is a ConfigError", async () => {
      const role = `smelter_nologin_${randomBytes(4).toString("hex")}`;
      const password = `nologin-${randomBytes(8).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${role} NOLOGIN PASSWORD '${password}'`);
        const error = await refusal(db(role, password));
        assert.equal((error.cause as { code?: string }).code, "28000");
        assert.match(error.message, /not permitted to log in/);
        assert.equal(error.message.includes(password), false);
      } finally {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
      }
    });
  },
);
