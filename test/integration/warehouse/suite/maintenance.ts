import assert from "node:assert/strict";
import { describe } from "node:test";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import { maintainMetadata, maintainPipeline } from "../../../../src/warehouse/maintenance.ts";
import { type Row, tableSpec } from "../fixture.ts";
import { type SuiteContext, suiteTest } from "../harness.ts";
import { fixtures } from "./context.ts";

const row = (id: number, title: string, second: number): Row => ({
  id,
  account_type_id: 1,
  title,
  amount: "2.0000",
  payload: "{}",
  updated_at: `2024-01-01 00:00:${String(second).padStart(2, "0")}`,
  deleted: false,
});

/** Table maintenance every warehouse offers: compaction and vacuum leave every row, and later commits, intact. */
export function maintenanceSuite(ctx: SuiteContext): void {
  const fixture = fixtures(ctx);
  describe(`maintenance on ${ctx.harness.kind}`, () => {
    suiteTest(ctx, "maintenance compacts and vacuums bronze and silver and changes no row", async () => {
      const fx = await fixture(tableSpec());
      const step = async () => {
        await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
        await silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx());
      };
      const before = await maintainPipeline(fx.spec, process.env, { retainHours: 0 });
      assert.deepEqual(before, [
        { target: "bronze.posts", result: null },
        { target: "silver.posts_flat", result: null },
      ]);
      // New keys only: each commit adds files and rewrites none, so a file-based warehouse has some to compact.
      for (const round of [0, 1]) {
        await fx.land([row(2 * round + 1, "new", round + 1), row(2 * round + 2, "new", round + 1)]);
        await step();
      }
      const read = async () => ({
        bronze: await fx.bronzeRows(["id", "title", "updated_at"]),
        silver: await fx.silverRows("posts_flat", ["id", "title"]),
      });
      const rows = await read();
      const done = await maintainPipeline(fx.spec, process.env, { retainHours: 0 });
      assert.deepEqual(
        done.map((t) => [t.target, t.error, t.result?.vacuumed]),
        [
          ["bronze.posts", undefined, true],
          ["silver.posts_flat", undefined, true],
        ],
      );
      const files = done[0]?.result?.files;
      if (files) assert.ok(files.before > 1 && files.after === 1, `bronze files ${JSON.stringify(files)}`);
      assert.deepEqual(await read(), rows);
      // The warehouse's bookkeeping is maintained once per warehouse (an hour's retention: other writers' files
      // stay), and the pipeline's commits and checkpoints read from it stay intact.
      const warehouses = new Set<string>();
      const metadata = await maintainMetadata(fx.spec, process.env, { retainHours: 1 }, warehouses);
      assert.ok(metadata.length > 0);
      for (const t of metadata) {
        assert.match(t.target, /^metadata\./);
        assert.deepEqual([t.error, t.result?.vacuumed], [undefined, true], t.target);
      }
      assert.deepEqual(await maintainMetadata(fx.spec, process.env, { retainHours: 1 }, warehouses), []);
      // Later commits and the silver model reading them work on the maintained tables.
      await fx.land([row(1, "d", 9)]);
      await step();
      assert.deepEqual(await fx.silverRows("posts_flat", ["id", "title"], { orderBy: ["id"] }), [
        { id: "1", title: "d" },
        ...[2, 3, 4].map((id) => ({ id: String(id), title: "new" })),
      ]);
    });
  });
}
