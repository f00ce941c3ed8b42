import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import type { ResolvedDatabase } from "../../../../src/spec/resolve.ts";
import { checkout, endSessionPools } from "../../../../src/warehouse/postgres/pool.ts";

const url = process.env.SMELTER_WAREHOUSE_URL;

test(
  "a kept warehouse connection the server ends mid-statement fails that statement and leaves the process running",
  {
    skip: url ? false : "SMELTER_WAREHOUSE_URL is not set: start the stack (scripts/stack up)",
    timeout: 60_000,
  },
  async (t) => {
    const u = new URL(url ?? "postgres://x@127.0.0.1/x");
    const db = {
      name: "wh",
      kind: "postgres",
      host: u.hostname,
      port: Number(u.port || 5432),
      database: u.pathname.slice(1),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      timezone: "+00:00",
      maxConnections: 2,
    } as ResolvedDatabase;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    t.after(async () => {
      await admin.end();
      await endSessionPools();
    });
    const client = await checkout(db);
    const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
    // The failure is expected from the start: it may arrive before the terminating statement's own answer.
    const failed = assert.rejects(client.query("SELECT pg_sleep(30)"), /terminat/i);
    // Let the statement start, then end the connection from the server's side.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await failed;
    // The socket's end arrives after the statement's failure, while the session still holds the connection (as
    // one does while it rolls back and closes): the 'error' the client emits then did not end the process.
    await new Promise((resolve) => setTimeout(resolve, 500));
    client.release(true);
    // The next checkout gets a working connection.
    const next = await checkout(db);
    assert.deepEqual((await next.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
    next.release();
  },
);
