import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  type CdcCase,
  changeRound,
  mariadbTarget,
  newestVersion,
  random,
  snapshotWhileChanging,
} from "./cdc-helpers.ts";
import { changingTable, context, MARIADB, MYSQL, mariadbSpec, missingStack } from "./extract-helpers.ts";
import { bothDifferences, bronzeAndSilver, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * Change capture from the binary log (mode cdc) of MariaDB and of MySQL on the stack's PostgreSQL warehouse: a
 * snapshot in chunks with changes made while it is read, then rounds of random inserts, updates and deletes
 * (several to one key, deletes followed by re-inserts), each drained by an extract, applied by bronze and merged
 * by silver.
 */

const ROWS = 2_000;
const ROUNDS = 4;
const OPS = 200;

for (const server of [MARIADB, MYSQL]) {
  const skip = missingStack(server.urlEnv, "SMELTER_WAREHOUSE_URL");

  describe(`change capture from the ${server.label} binary log`, { skip: skip ?? false }, () => {
    const { table, db } = changingTable("cdc", ROWS, "DATETIME(6)", server);
    let spec: PipelineSpec;
    const warehouse = warehousePool(() => [spec]);

    const source = mariadbTarget(db, table);

    it("joins a snapshot taken while the table changes to the log, then lands every change in log order", async () => {
      const base = await mariadbSpec(table, { over: { mode: "cdc", cursor: [], chunkSize: 700 }, server });
      spec = withWarehouse(base, table);
      const c: CdcCase = {
        spec,
        table,
        warehouse,
        source,
        differences: () => bothDifferences(db(), warehouse, spec, table),
      };
      const next = random(18);
      await snapshotWhileChanging(c, next, 100, (i) => `r0-${i}`);

      for (let round = 1; round <= ROUNDS; round++) {
        const expected = await changeRound(c, next, round, OPS);
        assert.ok(
          [...expected.values()].some((l) => l.length > 2),
          "some key changed several times in the round",
        );
        assert.ok(
          [...expected.values()].some((l) =>
            l.slice(0, -1).some((entry, j) => entry === "delete" && l[j + 1] !== "delete"),
          ),
          "some key was deleted and inserted again in the round",
        );
      }

      // The stored position: binlog file and offset, and the same point as the server's GTID position.
      const stored = await context(spec).watermarks.read(spec.name, table);
      assert.match(String(stored?.watermark?.[0]), new RegExp(`^${server.binlogBase}\\.\\d+$`));
      assert.equal(typeof stored?.watermark?.[1], "number");
      assert.match(String(stored?.watermark?.[2]), server.gtid);

      // Nothing changed since: the next run lands nothing and bronze commits no version.
      const version = await newestVersion(warehouse, spec, table);
      const idle = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
      await bronzeAndSilver(spec, table);
      assert.equal(idle.rowsLanded, 0);
      assert.equal(await newestVersion(warehouse, spec, table), version);
    });
  });
}
