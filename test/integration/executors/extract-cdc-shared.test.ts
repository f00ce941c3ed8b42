import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { runTask } from "../../../src/executors/index.ts";
import { listManifestIds, openLandingZone } from "../../../src/landing/index.ts";
import { standaloneState } from "../../../src/runtime/standalone.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  changingTable,
  context,
  MARIADB,
  MYSQL,
  mariadbSpec,
  missingStack,
  tableSpec,
} from "./extract-helpers.ts";
import { differences, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * The cdc tables of one MariaDB or MySQL source extracted by one source task share one read of the binary log, each
 * table from its own stored position; the source's other tables are extracted one by one as before.
 */

const ROWS = 500;
const state = standaloneState(process.env, "smelter-test");

for (const server of [MARIADB, MYSQL]) {
  const skip = missingStack(server.urlEnv, "SMELTER_WAREHOUSE_URL");
  describe(`cdc tables of one ${server.label} source in one task`, { skip: skip ?? false }, () => {
    const a = changingTable("cdca", ROWS, "DATETIME(6)", server);
    const b = changingTable("cdcb", ROWS, "DATETIME(6)", server);
    const c = changingTable("cdcc", ROWS, "DATETIME(6)", server);
    let spec: PipelineSpec;
    const warehouse = warehousePool(() => [spec]);

    /** `n` updates, deletes (unless not) and inserts of a table, one statement each; returns the rows they changed. */
    const changes = async (table: string, n: number, tag: string, deletes = true): Promise<number> => {
      let changed = 0;
      for (let i = 0; i < n; i++) {
        const id = 1 + ((i * 13) % 60);
        const [r] =
          deletes && i % 4 === 3
            ? await a.db().query(`DELETE FROM ${table} WHERE id = ?`, [id])
            : await a
                .db()
                .query(
                  `INSERT INTO ${table} VALUES (?, ?, NOW(6)) ON DUPLICATE KEY UPDATE payload = VALUES(payload), updated_at = NOW(6)`,
                  [id, `${tag}-${i}`],
                );
        if ((r as { affectedRows: number }).affectedRows > 0) changed += 1;
      }
      return changed;
    };

    const extractSource = async () => {
      const ctx = context(spec);
      const metrics = await runTask({ pipeline: spec.name, step: "extract", source: "src" }, ctx);
      for (const t of [a.table, b.table, c.table])
        await bronze({ pipeline: spec.name, step: "bronze", table: t }, context(spec));
      return { metrics, lines: ctx.lines };
    };

    const converged = async () => {
      for (const t of [a.table, b.table, c.table])
        assert.deepEqual(
          await differences(a.db(), warehouse, t, `"${spec.bronzeSchema}"."${t}"`),
          [],
          `bronze ${t} equals the source`,
        );
    };

    it("drains the log once for every cdc table, each from its own position", async () => {
      const base = await mariadbSpec(a.table, { over: { mode: "cdc", cursor: [], chunkSize: 200 }, server });
      spec = withWarehouse(
        {
          ...base,
          tables: [
            ...base.tables,
            tableSpec({ name: b.table, mode: "cdc", cursor: [], chunkSize: 200 }),
            tableSpec({ name: c.table }),
          ],
        },
        a.table,
      );
      await extractSource();
      await converged();

      const [ca, cb] = [await changes(a.table, 80, "a1"), await changes(b.table, 50, "b1")];
      // The incremental table sees no hard deletes: it gets updates and inserts only.
      await changes(c.table, 20, "c1", false);
      const second = await extractSource();
      assert.equal(second.metrics.tables?.[a.table]?.rowsLanded, ca);
      assert.equal(second.metrics.tables?.[b.table]?.rowsLanded, cb);
      assert.equal(second.lines.filter((l) => l.includes("draining the log from")).length, 2);
      assert.equal(
        second.lines.filter((l) => l.includes("one read of the log for 2 tables")).length,
        2,
        second.lines.join("\n"),
      );
      await converged();

      // B starts over with a new snapshot; the one read then starts at A's older position, and A lands only its own
      // new changes.
      const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
      const ids = await listManifestIds(zone, spec.name, b.table);
      const ca2 = await changes(a.table, 40, "a2");
      await state.watermarks.set(spec.name, b.table, ids.at(-1) as string, null);
      const cb2 = await changes(b.table, 40, "b2");
      const ca3 = await changes(a.table, 30, "a3");
      const third = await extractSource();
      assert.equal(
        third.metrics.tables?.[a.table]?.rowsLanded,
        ca2 + ca3,
        "A lands only its changes since its position",
      );
      assert.ok((third.metrics.tables?.[b.table]?.chunks ?? 0) >= 3, "B took a new snapshot");
      assert.ok(cb2 > 0);
      await converged();
    });

    it("stops the one read at a TRUNCATE of one of its tables, lands none of them, and a re-sync of it recovers", async () => {
      const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
      const at = async () =>
        Promise.all(
          [a.table, b.table].map(async (t) => ({
            position: (await state.watermarks.read(spec.name, t))?.watermark,
            manifests: (await listManifestIds(zone, spec.name, t)).length,
          })),
        );
      const before = await at();
      const ca4 = await changes(a.table, 20, "a4");
      await a.db().query(`TRUNCATE TABLE ${b.table}`);
      await changes(b.table, 10, "b4");
      await assert.rejects(extractSource(), (error: Error & { type?: string; retryable?: boolean }) => {
        assert.equal(error.type, "DataError");
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`table ${b.table}: the table was truncated`));
        assert.match(error.message, /Re-sync the table/);
        return true;
      });
      assert.deepEqual(await at(), before, "neither table landed a batch or moved its position");

      await extract(
        { pipeline: spec.name, step: "extract", table: b.table, mode: { kind: "resync" } },
        context(spec),
      );
      const ca5 = await changes(a.table, 10, "a5");
      const after = await extractSource();
      assert.equal(
        after.metrics.tables?.[a.table]?.rowsLanded,
        ca4 + ca5,
        "A lands its changes from before and after",
      );
      await converged();
    });
  });
}
