import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError } from "../../../../src/errors.ts";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import { resolveDatabase } from "../../../../src/spec/resolve.ts";
import { SparkClient } from "../../../../src/warehouse/spark/client.ts";
import { sparkDialect } from "../../../../src/warehouse/spark/dialect.ts";
import { compactsAt, ensureMetadata, recordBronze } from "../../../../src/warehouse/spark/metadata.ts";
import { Fixture, type Row } from "../fixture.ts";
import { SparkHarness } from "./harness.ts";

/**
 * What only the Delta warehouse has: the idempotent writes its exactly-once design rests on, checked on the
 * installed Delta, and its look for the pages. The behaviour every warehouse shares is in ../suite/.
 */

const harness = new SparkHarness();
/** Harnesses of other connection settings, closed after the fixtures that drop their pipelines through them. */
const others: SparkHarness[] = [];
const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
  for (const h of [harness, ...others]) await h.close();
});

const row = (id: number): Row => ({
  id,
  account_type_id: 1,
  title: `t${id}`,
  amount: "1.5000",
  payload: '{"kind":"k"}',
  updated_at: `2024-01-01 00:00:0${id}`,
  deleted: false,
});

describe("Delta warehouse internals", () => {
  test("Delta skips a write whose (txnAppId, txnVersion) it has committed, and keeps the note", async () => {
    const fx = await Fixture.create(undefined, undefined, { warehouse: harness });
    fixtures.push(fx);
    const t = `\`${fx.spec.bronzeSchema}\`.\`probe\``;
    await harness.query(`CREATE SCHEMA IF NOT EXISTS \`${fx.spec.bronzeSchema}\``);
    await harness.query(`CREATE TABLE ${t} (id BIGINT) USING DELTA`);
    const write = async (id: number) => {
      await harness.query("SET spark.databricks.delta.write.txnAppId=probe");
      await harness.query("SET spark.databricks.delta.write.txnVersion=1");
      await harness.query("SET spark.databricks.delta.commitInfo.userMetadata=smelter/bronze/seq=1");
      try {
        await harness.query(`INSERT INTO ${t} VALUES (${id})`);
      } finally {
        for (const k of ["txnAppId", "txnVersion"])
          await harness.query(`RESET spark.databricks.delta.write.${k}`);
        await harness.query("RESET spark.databricks.delta.commitInfo.userMetadata");
      }
    };
    await write(1);
    await write(2);
    assert.deepEqual(await harness.query(`SELECT CAST(id AS STRING) AS id FROM ${t}`), [{ id: "1" }]);
    const history = await harness.query(`DESCRIBE HISTORY ${t}`);
    assert.equal(history.filter((h) => h.userMetadata === "smelter/bronze/seq=1").length, 1);
  });

  test("describe shows versions, applied batches, checkpoints and row counts", async () => {
    const fx = await Fixture.create(undefined, undefined, { warehouse: harness });
    fixtures.push(fx);
    const query = {
      pipeline: fx.spec.name,
      bronzeSchema: fx.spec.bronzeSchema,
      silverSchema: fx.spec.silverSchema,
      tables: ["posts"],
      models: ["posts_flat"],
    };
    const db = resolveDatabase(fx.spec, fx.spec.warehouse, process.env);
    const before = await sparkDialect.describe(db, query, 60_000);
    assert.equal(before.tables.size, 0);
    await fx.land([row(1), row(2)]);
    await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
    await silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx());
    const state = await sparkDialect.describe(db, query, 60_000);
    const table = state.tables.get("posts");
    assert.deepEqual(
      [table?.version, table?.batches, table?.appliedRows, table?.rows],
      [1, 1, 2, { rows: 2, estimate: false }],
    );
    assert.match(String(table?.committedAt), /^\d{4}-\d{2}-\d{2}T/);
    const model = state.models.get("posts_flat");
    assert.deepEqual([model?.checkpoint, model?.rows], [1, { rows: 2, estimate: false }]);
  });

  test("a bronze table whose change data feed was turned off outside smelter is refused, and nothing is applied", async () => {
    const fx = await Fixture.create(undefined, undefined, { warehouse: harness });
    fixtures.push(fx);
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    await fx.land([row(1)]);
    await bronze(request, fx.ctx());
    const t = `\`${fx.spec.bronzeSchema}\`.\`posts\``;
    await harness.query(`ALTER TABLE ${t} SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'false')`);
    await fx.land([row(2)]);
    await assert.rejects(bronze(request, fx.ctx()), (error: Error) => {
      assert.ok(
        error instanceof ConfigError,
        `a ConfigError, not ${error.constructor.name}: ${error.message}`,
      );
      assert.match(error.message, /posts: its change data feed is off .*retrying will not help/);
      return true;
    });
    assert.deepEqual(await fx.bronzeRows(["id"]), [{ id: "1" }], "the second batch is not applied");
  });

  test("a connection's location places the schemas smelter creates, and landing_path is where bronze reads", async () => {
    const location = await mkdtemp(join(tmpdir(), "smelter-delta-location-"));
    try {
      const placed = new SparkHarness();
      others.push(placed);
      Object.assign(placed, { connection: { ...placed.connection, location: `file://${location}` } });
      const fx = await Fixture.create(undefined, undefined, { warehouse: placed });
      fixtures.push(fx);
      await fx.land([row(1)]);
      await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
      const info = await harness.query(`DESCRIBE SCHEMA EXTENDED \`${fx.spec.bronzeSchema}\``);
      const where = info.find((r) => r.info_name === "Location")?.info_value ?? "";
      assert.ok(where.includes(`${location}/${fx.spec.bronzeSchema}`), `schema location ${where}`);

      const elsewhere = new SparkHarness();
      others.push(elsewhere);
      Object.assign(elsewhere, {
        connection: { ...elsewhere.connection, landingPath: "file:///nonexistent/smelter-landing" },
      });
      const lost = await Fixture.create(undefined, undefined, { warehouse: elsewhere });
      fixtures.push(lost);
      await lost.land([row(1)]);
      await assert.rejects(
        bronze({ pipeline: lost.spec.name, step: "bronze", table: "posts" }, lost.ctx()),
        /nonexistent\/smelter-landing/,
      );
      // Whether or not the failed commit created the table, it holds no row.
      assert.deepEqual(await lost.bronzeRows(["id"]).catch(() => []), [], "nothing applied");
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  test("each writer compacts its commit table at its turn; commit tables run without auto compaction", async () => {
    const fx = await Fixture.create(undefined, undefined, { warehouse: harness });
    fixtures.push(fx);
    const property = "'delta.autoOptimize.autoCompact'";
    // A commit table created when they carried auto compaction loses it the first time a process opens the
    // warehouse (another connection name: this process has opened the stack's warehouse before).
    await harness.query(`ALTER TABLE _smelter.bronze_commits SET TBLPROPERTIES (${property} = 'true')`);
    const client = await SparkClient.connect({
      ...resolveDatabase(fx.spec, fx.spec.warehouse, process.env),
      name: "compaction-probe",
    });
    try {
      await ensureMetadata(client);
      const props = await harness.query(`SHOW TBLPROPERTIES _smelter.bronze_commits (${property})`);
      assert.notEqual(props[0]?.value, "true");

      const writer = JSON.stringify([fx.spec.name, "probe"]);
      const turn = Array.from({ length: 50 }, (_, i) => i + 4).find((seq) => compactsAt(writer, seq)) ?? 0;
      const files = async () =>
        Number((await harness.query("DESCRIBE DETAIL _smelter.bronze_commits"))[0]?.numFiles);
      const record = (seq: number) =>
        recordBronze(client, fx.spec.name, "probe", [
          {
            seq,
            version: seq,
            deltaVersion: seq,
            batchIds: [`b${seq}`],
            batchRows: [1],
            rowsRead: 1,
            inserted: 1,
            updated: 0,
            deleted: 0,
            unchanged: 0,
          },
        ]);
      for (const seq of [turn - 3, turn - 2, turn - 1]) await record(seq);
      assert.ok((await files()) >= 3, "each record is a file of its own");
      await record(turn);
      assert.equal(await files(), 1, "the writer's turn compacted the table");
      const [last] = await harness.query("DESCRIBE HISTORY _smelter.bronze_commits LIMIT 1");
      assert.equal(last?.operation, "OPTIMIZE");
    } finally {
      await client.close();
    }
  });
});
