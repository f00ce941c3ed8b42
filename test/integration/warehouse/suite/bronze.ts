import assert from "node:assert/strict";
import { describe } from "node:test";
import { DataError } from "../../../../src/errors.ts";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import type { SchemaEvolution } from "../../../../src/spec/types.ts";
import { openWarehouse } from "../../../../src/warehouse/index.ts";
import { POSTS, type Row, type TestColumn, tableSpec } from "../fixture.ts";
import { type SuiteContext, suiteTest } from "../harness.ts";
import { actualSilver, SourceModel } from "../source-model.ts";
import { fixtures } from "./context.ts";

const BASE = { account_type_id: 1, amount: "1.0000", payload: "{}", deleted: false };
const WIDER: TestColumn[] = [...POSTS, { name: "lang", duck: "VARCHAR", logical: { type: "string" } }];

const row = (id: number, extra: Row = {}): Row => ({
  id,
  account_type_id: 1,
  title: `t${id}`,
  amount: "1.5000",
  payload: "{}",
  updated_at: `2024-01-01 00:00:0${id}`,
  deleted: false,
  ...extra,
});

/** Bronze behaviour every warehouse keeps: exactly-once batches, dedupe, deletes, schema evolution, values. */
export function bronzeSuite(ctx: SuiteContext): void {
  const fixture = fixtures(ctx);
  const request = (pipeline: string) => ({ pipeline, step: "bronze" as const, table: "posts" });

  describe(`bronze on ${ctx.harness.kind}`, () => {
    for (const mode of ["soft", "reconcile"] as const) {
      suiteTest(
        ctx,
        `silver equals the source row by row after randomized rounds (${mode} deletes)`,
        async () => {
          const deletes =
            mode === "soft"
              ? ({ mode: "soft", column: "deleted", value: true } as const)
              : ({ mode: "reconcile", everyRuns: 1 } as const);
          const fx = await fixture(tableSpec({ deletes }));
          const source = new SourceModel(mode === "soft" ? 7 : 11);
          const rounds = ctx.rounds ?? 8;
          for (let round = 0; round < rounds; round++) {
            const batches = round % 3 === 1 ? 2 : 1;
            for (let b = 0; b < batches; b++) {
              const rows = source.round({
                inserts: round === 0 ? 300 : 20,
                updates: 30,
                deletes: 10,
                redeliver: 15,
                softDelete: mode === "soft",
              });
              await fx.land(rows, mode === "reconcile" ? { keys: source.keys() } : {});
            }
            const b = await bronze(request(fx.spec.name), fx.ctx());
            assert.equal(b.batches, batches);
            if (round % 2 === 1 || round === rounds - 1) {
              await silver({ ...request(fx.spec.name), step: "silver", table: "posts_flat" }, fx.ctx());
              assert.deepEqual(await actualSilver(fx), source.expectedSilver(), `round ${round}`);
            }
          }
          assert.equal((await fx.bronzeRows(["id"])).length, source.rows.size);
        },
      );
    }

    suiteTest(ctx, "an identical re-delivered batch writes no change rows and no new version", async () => {
      const fx = await fixture();
      const source = new SourceModel(3);
      const rows = source.round({ inserts: 50, updates: 0, deletes: 0, redeliver: 0, softDelete: false });
      await fx.land(rows);
      const first = await bronze(request(fx.spec.name), fx.ctx());
      assert.deepEqual([first.inserted, first.versionTo], [50, 1]);
      await fx.land(rows);
      const second = await bronze(request(fx.spec.name), fx.ctx());
      assert.deepEqual([second.batches, second.inserted, second.updated, second.unchanged], [1, 0, 0, 50]);
      assert.equal(second.versionTo, null);
      const versions = (await fx.changes(["id"])).map((c) => c._commit_version);
      assert.deepEqual([...new Set(versions)], ["1"]);
      assert.equal(versions.length, 50);
      const again = await bronze(request(fx.spec.name), fx.ctx());
      assert.equal(again.batches, 0, "checkpointed batches are not applied twice");
    });

    suiteTest(
      ctx,
      "duplicate keys in one batch reduce to the latest cursor, then the latest landing order",
      async () => {
        const fx = await fixture();
        await fx.land([
          { id: 1, ...BASE, title: "newest", updated_at: "2024-01-01 00:00:03" },
          { id: 1, ...BASE, title: "older", updated_at: "2024-01-01 00:00:01" },
          { id: 2, ...BASE, title: "first of a tie", updated_at: "2024-01-01 00:00:05" },
          { id: 2, ...BASE, title: "last of a tie", updated_at: "2024-01-01 00:00:05" },
        ]);
        const m = await bronze(request(fx.spec.name), fx.ctx());
        assert.deepEqual([m.rowsRead, m.inserted], [4, 2]);
        assert.deepEqual(await fx.bronzeRows(["id", "title"]), [
          { id: "1", title: "newest" },
          { id: "2", title: "last of a tie" },
        ]);
      },
    );

    suiteTest(
      ctx,
      "without a change feed bronze still counts its inserts, updates, deletes and unchanged rows",
      async () => {
        const fx = await fixture(
          tableSpec({
            deletes: { mode: "soft", column: "deleted", value: true },
            bronze: { schemaEvolution: "add_columns", changeFeed: false },
          }),
        );
        const at = (s: number) => `2024-01-01 00:00:0${s}`;
        await fx.land([1, 2, 3].map((id) => ({ id, ...BASE, title: `t${id}`, updated_at: at(1) })));
        await bronze(request(fx.spec.name), fx.ctx());
        await fx.land([
          { id: 1, ...BASE, title: "changed", updated_at: at(2) },
          { id: 2, ...BASE, title: "t2", updated_at: at(2), deleted: true },
          { id: 3, ...BASE, title: "t3", updated_at: at(1) },
          { id: 4, ...BASE, title: "t4", updated_at: at(2) },
        ]);
        const m = await bronze(request(fx.spec.name), fx.ctx());
        assert.deepEqual([m.inserted, m.updated, m.deleted, m.unchanged, m.versionTo], [1, 1, 1, 1, 2]);
        assert.deepEqual(await fx.bronzeRows(["id", "title"]), [
          { id: "1", title: "changed" },
          { id: "3", title: "t3" },
          { id: "4", title: "t4" },
        ]);
      },
    );

    suiteTest(
      ctx,
      "an initial load leaves out soft-deleted rows and rows missing from the key set",
      async () => {
        const base = { ...BASE, updated_at: "2024-01-01 00:00:01" };
        const fx = await fixture(tableSpec({ deletes: { mode: "reconcile", everyRuns: 1 } }));
        await fx.land(
          [1, 2, 3].map((id) => ({ id, ...base, title: `t${id}` })),
          { keys: [1, 3] },
        );
        const m = await bronze(request(fx.spec.name), fx.ctx());
        assert.deepEqual([m.rowsRead, m.inserted, m.unchanged, m.versionTo], [3, 2, 1, 1]);
        assert.deepEqual(await fx.bronzeRows(["id"]), [{ id: "1" }, { id: "3" }]);

        const soft = await fixture(tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } }));
        await soft.land([
          { id: 1, ...base, title: "kept" },
          { id: 2, ...base, title: "gone", deleted: true },
        ]);
        const s = await bronze(request(soft.spec.name), soft.ctx());
        assert.deepEqual([s.inserted, s.unchanged], [1, 1]);
        assert.deepEqual(await soft.changes(["id"]), [
          { _commit_version: "1", _change_type: "insert", id: "1" },
        ]);
      },
    );

    suiteTest(ctx, "every bronze row and change row names the batch that wrote it", async () => {
      const fx = await fixture();
      const base = { ...BASE, updated_at: "2024-01-01 00:00:01" };
      const first = await fx.land([{ id: 1, ...base, title: "a" }]);
      const second = await fx.land([{ id: 2, ...base, title: "b" }]);
      await bronze(request(fx.spec.name), fx.ctx());
      const expected = [
        { id: "1", _smelter_batch_id: first.batchId },
        { id: "2", _smelter_batch_id: second.batchId },
      ];
      assert.deepEqual(await fx.bronzeRows(["id", "_smelter_batch_id"]), expected);
      const changes = await fx.changes(["id", "_smelter_batch_id"]);
      assert.deepEqual(
        changes.map(({ id, _smelter_batch_id }) => ({ id, _smelter_batch_id })),
        expected,
      );
    });

    suiteTest(
      ctx,
      "text with tabs, newlines, quotes and control bytes, empty strings and NULLs reach bronze unchanged",
      async () => {
        const titles = [
          "tab\there",
          "line\nbreak\r\n",
          '"quoted", comma',
          "\u0001x\u0001",
          "",
          null,
          "back\\slash \\N",
        ];
        const fx = await fixture();
        const payload = '{"q":"\\"\\t"}';
        const rows = (at: string) =>
          titles.map((title, i) => ({ id: i + 1, ...BASE, payload, title, updated_at: at }));
        await fx.land(rows("2024-01-01 00:00:01"));
        await bronze(request(fx.spec.name), fx.ctx());
        await fx.land(rows("2024-01-01 00:00:02").map((r) => ({ ...r, id: r.id + titles.length })));
        await bronze(request(fx.spec.name), fx.ctx());
        const got = await fx.bronzeRows(["id", "title", "payload"], { json: ["payload"] });
        const expected = [...titles, ...titles].map((title, i) => ({ id: String(i + 1), title, payload }));
        assert.deepEqual(got, expected);
      },
    );

    suiteTest(ctx, "a bronze table emptied by deletes is loaded again, with a new version", async () => {
      const fx = await fixture(tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } }));
      await fx.land([{ id: 1, ...BASE, title: "a", updated_at: "2024-01-01 00:00:01" }]);
      await bronze(request(fx.spec.name), fx.ctx());
      await fx.land([{ id: 1, ...BASE, title: "a", updated_at: "2024-01-01 00:00:02", deleted: true }]);
      const deleted = await bronze(request(fx.spec.name), fx.ctx());
      assert.deepEqual([deleted.deleted, deleted.versionTo], [1, 2]);
      await fx.land([{ id: 1, ...BASE, title: "back", updated_at: "2024-01-01 00:00:03" }]);
      const back = await bronze(request(fx.spec.name), fx.ctx());
      assert.deepEqual([back.inserted, back.versionTo], [1, 3]);
      await silver({ ...request(fx.spec.name), step: "silver", table: "posts_flat" }, fx.ctx());
      assert.deepEqual(await fx.silverRows("posts_flat", ["id", "title"]), [{ id: "1", title: "back" }]);
    });

    suiteTest(
      ctx,
      "a value the warehouse cannot parse fails the commit with a DataError and applies nothing",
      async () => {
        const fx = await fixture();
        const columns = POSTS.map((c) => (c.name === "account_type_id" ? { ...c, duck: "VARCHAR" } : c));
        const rows = Array.from({ length: 5000 }, (_, i) => ({
          id: i + 1,
          ...BASE,
          title: "t",
          updated_at: "2024-01-01 00:00:01",
          account_type_id: i === 4000 ? "not a number" : String(i % 5),
        }));
        await fx.land(rows, { columns });
        await assert.rejects(
          bronze(request(fx.spec.name), fx.ctx()),
          (e: Error) => e instanceof DataError && /not a number/.test(e.message),
        );
        const warehouse = await openWarehouse(fx.spec, process.env);
        try {
          assert.equal(
            (await warehouse.checkpointedBatches(fx.spec.name, fx.spec.bronzeSchema, "posts")).size,
            0,
          );
        } finally {
          await warehouse.close();
        }
      },
    );

    suiteTest(
      ctx,
      "a column widened at the source keeps bronze's type: a value it would change stops the commit with a DataError",
      async () => {
        const fx = await fixture();
        const narrow = POSTS.map((c) =>
          c.name === "amount"
            ? { ...c, duck: "DECIMAL(10,2)", logical: { type: "decimal", precision: 10, scale: 2 } as const }
            : c,
        );
        await fx.land([row(1, { amount: "1.50" })], { columns: narrow });
        await bronze(request(fx.spec.name), fx.ctx());
        // Both columns land wider now: account_type_id's value fits bronze's INT, amount's does not fit its scale.
        const wide = POSTS.map((c) =>
          c.name === "account_type_id"
            ? { ...c, duck: "BIGINT", logical: { type: "int", bits: 64, signed: true } as const }
            : c,
        );
        await fx.land([row(2, { account_type_id: 5, amount: "1.2345" })], { columns: wide });
        await assert.rejects(
          bronze(request(fx.spec.name), fx.ctx()),
          (e: Error) =>
            e instanceof DataError &&
            /column amount is .*\(10,2\) in bronze.* 1\.2345 would change/.test(e.message) &&
            /retrying as it is will not help/.test(e.message),
        );
        assert.deepEqual(await fx.bronzeRows(["id", "amount"]), [{ id: "1", amount: "1.50" }]);
      },
    );

    suiteTest(ctx, "bronze applies batches landed in S3 and silver follows", async () => {
      const fx = await fixture(undefined, undefined, { landing: "s3" });
      assert.match(fx.zone.url, /^s3:\/\//);
      const r = (id: number, title: string, second: number) =>
        row(id, {
          title,
          payload: JSON.stringify({ kind: title, tags: [title] }),
          updated_at: `2024-01-01 00:00:0${second}`,
        });
      await fx.land([r(1, "a", 1), r(2, "b", 1), r(1, "a2", 2)]);
      await fx.land([r(2, "b2", 3), r(3, "c", 3)]);
      const b = await bronze(request(fx.spec.name), fx.ctx());
      assert.deepEqual([b.batches, b.files, b.inserted, b.versionTo], [2, 2, 3, 1]);
      const s = await silver({ ...request(fx.spec.name), step: "silver", table: "posts_flat" }, fx.ctx());
      assert.equal(s.inserted, 3);
      assert.deepEqual(await fx.silverRows("posts_flat", ["id", "title", "kind"]), [
        { id: "1", title: "a2", kind: "a2" },
        { id: "2", title: "b2", kind: "b2" },
        { id: "3", title: "c", kind: "c" },
      ]);
      assert.equal((await bronze(request(fx.spec.name), fx.ctx())).batches, 0);
    });

    const drift = async (mode: SchemaEvolution) => {
      const fx = await fixture(tableSpec({ bronze: { schemaEvolution: mode, changeFeed: true } }));
      const run = () => bronze(request(fx.spec.name), fx.ctx());
      await fx.land([row(1)]);
      await run();
      await fx.land([row(2, { lang: "en" })], { columns: WIDER });
      return { fx, run };
    };

    suiteTest(ctx, "add_columns adds a new source column to bronze and its change feed", async () => {
      const { fx, run } = await drift("add_columns");
      const metrics = await run();
      assert.equal(metrics.inserted, 1);
      assert.deepEqual([metrics.columnsAdded, metrics.columnsRescued], [["lang"], undefined]);
      assert.deepEqual(await fx.bronzeRows(["id", "lang"]), [
        { id: "1", lang: null },
        { id: "2", lang: "en" },
      ]);
      const changes = (await fx.changes(["id", "lang"])).filter((c) => c.id === "2");
      assert.deepEqual(changes, [{ _commit_version: "2", _change_type: "insert", id: "2", lang: "en" }]);
      assert.deepEqual(
        metrics.lineage?.outputs[0]?.fields?.map((f) => f.name),
        await ctx.harness.columns(fx.spec.bronzeSchema, "posts"),
        "lineage names the column the commit added",
      );
    });

    suiteTest(
      ctx,
      "rescue keeps the table's columns and puts unexpected values into _rescued_data",
      async () => {
        const { fx, run } = await drift("rescue");
        const metrics = await run();
        assert.deepEqual([metrics.columnsAdded, metrics.columnsRescued], [undefined, ["lang"]]);
        assert.deepEqual(await fx.bronzeRows(["id", "_rescued_data"], { json: ["_rescued_data"] }), [
          { id: "1", _rescued_data: null },
          { id: "2", _rescued_data: '{"lang":"en"}' },
        ]);
        assert.ok(!(await ctx.harness.columns(fx.spec.bronzeSchema, "posts"))?.includes("lang"));
      },
    );

    suiteTest(
      ctx,
      "fail stops with a DataError naming the table, the batch and the new column, and applies nothing",
      async () => {
        const { fx, run } = await drift("fail");
        await assert.rejects(run(), (error: unknown) => {
          assert.ok(error instanceof DataError);
          assert.match(error.message, /posts/);
          assert.match(error.message, /batch b\d{8}T\d{9}Z-[0-9a-f]{8}/);
          assert.match(error.message, /lang/);
          assert.equal(error.retryable, false);
          return true;
        });
        assert.deepEqual(await fx.bronzeRows(["id"]), [{ id: "1" }]);
      },
    );

    suiteTest(
      ctx,
      "a column the source dropped stays in bronze and is NULL in rows written afterwards",
      async () => {
        const fx = await fixture();
        await fx.land([row(1)]);
        const narrow = POSTS.filter((c) => c.name !== "title");
        await fx.land([{ ...row(2), title: undefined }], { columns: narrow });
        await bronze(request(fx.spec.name), fx.ctx());
        assert.deepEqual(await fx.bronzeRows(["id", "title"]), [
          { id: "1", title: "t1" },
          { id: "2", title: null },
        ]);
      },
    );

    suiteTest(
      ctx,
      "a row moving to another list partition is one update with its pre- and post-image",
      async () => {
        const fx = await fixture(
          tableSpec({
            partitionBy: { column: "account_type_id", kind: "list" },
            clusterBy: ["account_type_id"],
          }),
        );
        await fx.land([row(1), row(2, { account_type_id: 2 }), row(3, { account_type_id: 2 })]);
        await bronze(request(fx.spec.name), fx.ctx());
        await fx.land([row(1, { account_type_id: 3, updated_at: "2024-01-02 00:00:00" })]);
        const m = await bronze(request(fx.spec.name), fx.ctx());
        assert.equal(m.updated, 1, "a row moving to another partition is an update");
        const changes = (await fx.changes(["id", "account_type_id"])).filter(
          (c) => c._commit_version === "2",
        );
        assert.deepEqual(changes, [
          { _commit_version: "2", _change_type: "update_postimage", id: "1", account_type_id: "3" },
          { _commit_version: "2", _change_type: "update_preimage", id: "1", account_type_id: "1" },
        ]);
        assert.deepEqual(await fx.bronzeRows(["id", "account_type_id"]), [
          { id: "1", account_type_id: "3" },
          { id: "2", account_type_id: "2" },
          { id: "3", account_type_id: "2" },
        ]);
      },
    );
  });
}
