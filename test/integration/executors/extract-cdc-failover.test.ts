import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type mysql from "mysql2/promise";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  type ExpectedFeed,
  feedByKey,
  mariadbTarget,
  newestVersion,
  random,
  randomChange,
} from "./cdc-helpers.ts";
import {
  context,
  insertSequence,
  MARIADB,
  MYSQL,
  missingStack,
  pipelineSpec,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";
import {
  caughtUp,
  type MariadbServer,
  promote,
  removeMysqlTemplate,
  replicate,
  startMariadb,
  startMysql,
} from "./mariadb-servers.ts";
import { bothDifferences, bronzeAndSilver, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * A failover between two real MariaDB servers of the test's own, and between two MySQL servers: a cdc table read
 * from a primary, whose replica (GTID replication, its own binary log) is promoted while the primary has logged
 * changes the table has not drained yet. The primary's binlog files are numbered above the replica's, so the
 * stored point is found on the replica by its GTID position (MySQL: its GTID set) in a file numbered below the
 * stored one.
 */

const URL_ENV = "TEST_MARIADB_FAILOVER_URL";
const ROWS = 500;
const TABLE = "orders";

for (const flavour of [MARIADB, MYSQL]) {
  const skip = missingStack("SMELTER_WAREHOUSE_URL", ...(flavour === MYSQL ? ["SMELTER_MYSQLD"] : []));
  const start = flavour === MYSQL ? startMysql : startMariadb;
  const base = flavour.binlogBase;
  const gtid = flavour.gtid.source.replace(/^\^/, "");

  describe(
    `change capture across a failover between two ${flavour.label} servers`,
    { skip: skip ?? false },
    () => {
      let primary: MariadbServer;
      let replica: MariadbServer;
      /** The server the table is read from and changed on. */
      let serving: mysql.Connection;
      let spec: PipelineSpec;
      const warehouse = warehousePool(() => [spec]);
      const next = random(29);

      const source = mariadbTarget(() => serving, TABLE);

      /** `ops` random changes, added to `expected` by key in order. */
      const changes = async (ops: number, tag: string, expected: ExpectedFeed) => {
        for (let i = 0; i < ops; i++) await randomChange(source, next, `${tag}-${i}`, expected);
      };
      const count = (expected: ExpectedFeed) => [...expected.values()].reduce((n, l) => n + l.length, 0);
      const sorted = (feed: ExpectedFeed) => [...feed.entries()].sort((a, b) => a[0] - b[0]);

      before(async () => {
        primary = await start(1);
        replica = await start(2);
        serving = await primary.connect();
        // The primary's log is some files further than the replica's will be.
        for (let i = 0; i < 3; i++) await serving.query("FLUSH BINARY LOGS");
        await serving.query("CREATE DATABASE shop CHARACTER SET utf8mb4");
        await serving.query("USE shop");
        await serving.query(
          `CREATE TABLE ${TABLE} (id INT PRIMARY KEY, payload VARCHAR(100), updated_at DATETIME(6) NOT NULL)`,
        );
        await insertSequence(serving, TABLE, ROWS, "n, CONCAT('row ', n), '2026-01-01' + INTERVAL n SECOND");
        await replicate(primary, replica);
        process.env[URL_ENV] = primary.url("shop");
        const name = uniqueName("fo");
        const base = await pipelineSpec(
          name,
          [tableSpec({ name: TABLE, table: TABLE, mode: "cdc", cursor: [], chunkSize: 200 })],
          { source: flavour.kind, urlEnv: URL_ENV, landing: "local" },
        );
        spec = withWarehouse(base, TABLE);
      });

      after(async () => {
        await serving?.end().catch(() => undefined);
        await Promise.all([primary?.stop(), replica?.stop()]);
        await removeMysqlTemplate();
        delete process.env[URL_ENV];
      });

      it("resumes on the promoted replica by GTID position, landing the old primary's undrained changes and the new ones once each, in order", async () => {
        await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
        await bronzeAndSilver(spec, TABLE);
        const drained: ExpectedFeed = new Map();
        await changes(60, "p1", drained);
        await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
        await bronzeAndSilver(spec, TABLE);
        assert.deepEqual(await bothDifferences(serving, warehouse, spec, TABLE), { bronze: [], silver: [] });
        const stored = (await context(spec).watermarks.read(spec.name, TABLE))?.watermark as unknown[];
        assert.equal(stored[0], `${base}.000004`, "read from the primary's fourth binlog file");
        const version = await newestVersion(warehouse, spec, TABLE);

        // The primary logs changes the table has not drained, the replica has them, and the replica is promoted.
        const expected: ExpectedFeed = new Map();
        await changes(50, "p2", expected);
        await caughtUp(primary, replica);
        await serving.end();
        await primary.stop();
        await promote(replica);
        serving = await replica.connect("shop");
        process.env[URL_ENV] = replica.url("shop");
        await changes(50, "r1", expected);

        const ctx = context(spec);
        const run = await extract({ pipeline: spec.name, step: "extract", table: TABLE }, ctx);
        assert.match(
          ctx.lines.join("\n"),
          new RegExp(
            `the server does not hold ${base}\\.000004:\\d+:${gtid} as stored; the same point in its log is ${base}\\.000001:\\d+:${gtid}:4 \\(found by GTID position\\)`,
          ),
        );
        assert.equal(run.rowsLanded, count(expected), "each change since the stored point landed once");
        await bronzeAndSilver(spec, TABLE);
        assert.deepEqual(await bothDifferences(serving, warehouse, spec, TABLE), { bronze: [], silver: [] });
        assert.deepEqual(
          sorted(await feedByKey(warehouse, spec, TABLE, version)),
          sorted(expected),
          "the change feed holds every version of every key, in order",
        );
        const moved = (await context(spec).watermarks.read(spec.name, TABLE))?.watermark as unknown[];
        assert.deepEqual([moved[0], moved[3]], [`${base}.000001`, 4], "the replica's head, with the shift");

        // Later drains on the new primary go on from there.
        const after: ExpectedFeed = new Map();
        const since = await newestVersion(warehouse, spec, TABLE);
        await changes(60, "r2", after);
        const later = await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
        assert.equal(later.rowsLanded, count(after));
        await bronzeAndSilver(spec, TABLE);
        assert.deepEqual(await bothDifferences(serving, warehouse, spec, TABLE), { bronze: [], silver: [] });
        assert.deepEqual(sorted(await feedByKey(warehouse, spec, TABLE, since)), sorted(after));
      });
    },
  );
}
