import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type mysql from "mysql2/promise";
import { applyChanges, nextRound } from "../../../src/demo/changes.ts";
import { sizesFor } from "../../../src/demo/dataset.ts";
import { datasetHash, seedDemo } from "../../../src/demo/seed.ts";
import { connectDemoSource, demoSourceUrl } from "../../../src/demo/source.ts";

// A database of its own, so that the test never touches the demo's `social` database.
const DATABASE = "social_demo_test";
const SCALE = 0.01;
const SEED = "integration";

async function count(conn: mysql.Connection, sql: string): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
  return Number(rows[0]?.n);
}

describe("demo seed and changes against MariaDB", () => {
  let conn: mysql.Connection;

  before(async () => {
    const admin = await connectDemoSource();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    const url = new URL(demoSourceUrl());
    url.pathname = `/${DATABASE}`;
    conn = await connectDemoSource(url.toString());
  });

  after(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await conn.end();
  });

  it("loads the generated rows, with the same content hash as the generator alone", async () => {
    const result = await seedDemo(conn, { seed: SEED, scale: SCALE });
    const sizes = sizesFor(SCALE);
    assert.equal(result.skipped, false);
    assert.equal(result.contentHash, datasetHash(SEED, SCALE).hash);
    assert.equal(
      await count(conn, "SELECT COUNT(*) AS n FROM network_account_types"),
      sizes.networkAccountTypes,
    );
    assert.equal(await count(conn, "SELECT COUNT(*) AS n FROM network_accounts"), sizes.networkAccounts);
    assert.equal(await count(conn, "SELECT COUNT(*) AS n FROM posts"), sizes.posts);
    assert.equal(await count(conn, "SELECT COUNT(*) AS n FROM daily_metrics"), sizes.dailyMetrics);
  });

  it("keeps utf8mb4 text and the BIGINT UNSIGNED maximum intact", async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT CAST(followers AS CHAR) AS f FROM network_accounts WHERE id = 42",
    );
    assert.equal(rows[0]?.f, "18446744073709551615");
    const emoji = await count(
      conn,
      "SELECT COUNT(*) AS n FROM network_accounts WHERE handle REGEXP '[^\\\\x00-\\\\x{FFFF}]'",
    );
    assert.ok(emoji > 0, "some handles keep their 4-byte emoji");
  });

  it("skips a seed that is already loaded and reloads when forced", async () => {
    assert.equal((await seedDemo(conn, { seed: SEED, scale: SCALE })).skipped, true);
    assert.equal((await seedDemo(conn, { seed: SEED, scale: SCALE, force: true })).skipped, false);
  });

  it("applies a round of inserts, updates, soft and hard deletes and a new column, once", async () => {
    const before = await count(conn, "SELECT COUNT(*) AS n FROM posts");
    const round = await nextRound(conn);
    assert.equal(round, 1);
    const summary = await applyChanges(conn, round);
    assert.deepEqual(summary.addedColumns, ["posts.language"]);
    assert.equal(summary.tables.network_account_types?.deleted, 1);
    assert.ok((summary.tables.network_accounts?.softDeleted ?? 0) > 0);
    assert.ok((summary.tables.posts?.updated ?? 0) > 0);
    assert.equal(
      await count(conn, "SELECT COUNT(*) AS n FROM posts"),
      before + (summary.tables.posts?.inserted ?? 0),
    );
    assert.equal(
      await count(conn, "SELECT COUNT(*) AS n FROM network_account_types WHERE code = 'orkut'"),
      0,
      "the retired network is hard-deleted",
    );
    const touched = (summary.tables.posts?.inserted ?? 0) + (summary.tables.posts?.updated ?? 0);
    assert.equal(await count(conn, "SELECT COUNT(*) AS n FROM posts WHERE language IS NOT NULL"), touched);

    const again = await applyChanges(conn, round);
    assert.equal(again.alreadyApplied, true);
    assert.deepEqual(again.tables, summary.tables);
    assert.equal(await nextRound(conn), 2);
    await assert.rejects(applyChanges(conn, 3), /before round 2/);
  });

  it("stamps a round's changes after everything seeded before it", async () => {
    const summary = await applyChanges(conn, 2);
    const changed = await count(
      conn,
      "SELECT COUNT(*) AS n FROM network_accounts WHERE updated_at >= '2025-07-02' AND updated_at < '2025-07-03'",
    );
    const t = summary.tables.network_accounts;
    assert.equal(changed, (t?.inserted ?? 0) + (t?.updated ?? 0) + (t?.softDeleted ?? 0));
  });
});
