import assert from "node:assert/strict";
import { describe } from "node:test";
import type { StepMetrics } from "../../../../src/contracts/step.ts";
import { DataError } from "../../../../src/errors.ts";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import type { PipelineSpec, TableSpec } from "../../../../src/spec/types.ts";
import { warehouseDialect } from "../../../../src/warehouse/index.ts";
import { pruneChangeFeed, rebuildSilver } from "../../../../src/warehouse/maintenance.ts";
import { POSTS, type Row, silverModel, type TestColumn, tableSpec } from "../fixture.ts";
import { type SuiteContext, suiteTest } from "../harness.ts";
import { fixtures } from "./context.ts";

const row = (id: number, title: string, second: number, extra: Row = {}): Row => ({
  id,
  account_type_id: 1,
  title,
  amount: "2.0000",
  payload: JSON.stringify({ kind: title }),
  updated_at: `2024-01-01 00:00:${String(second).padStart(2, "0")}`,
  deleted: false,
  ...extra,
});

/** `amount` as the source had it before its type was widened: DECIMAL(10,2) instead of DECIMAL(20,4). */
const NARROW_AMOUNT: TestColumn[] = POSTS.map((c) =>
  c.name === "amount"
    ? { ...c, duck: "DECIMAL(10,2)", logical: { type: "decimal", precision: 10, scale: 2 } }
    : c,
);

/** `account_type_id` as the source has it after its type changed kind: VARCHAR instead of INT. */
const TEXT_ACCOUNT_TYPE: TestColumn[] = POSTS.map((c) =>
  c.name === "account_type_id" ? { ...c, duck: "VARCHAR", logical: { type: "string" } } : c,
);

/**
 * The statements of the way out an error message names (`(ALTER TABLE ...; ALTER TABLE ...)`, a `CREATE OR
 * REPLACE TABLE ... AS SELECT ...`), in order.
 */
function statements(message: string): string[] {
  const statement = /(?:ALTER|DROP|CREATE OR REPLACE) TABLE (?:[^;()]|\((?:[^()]|\([^()]*\))*\))+/g;
  return (message.match(statement) ?? []).map((s) => s.trim());
}

/**
 * Expects `run` to fail with a DataError (checked further by `check`) whose message names statements that are the
 * way out (`what` they do, for the assertion); returns them.
 */
async function wayOut(
  run: () => Promise<unknown>,
  what: string,
  check: (e: DataError) => void = () => undefined,
): Promise<string[]> {
  let named: string[] = [];
  await assert.rejects(run(), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    check(e);
    named = statements(e.message);
    return true;
  });
  assert.ok(named.length > 0, `the message names the statements that ${what}`);
  return named;
}

/** The change-feed versions a silver run (or a rebuild) merged. */
type Versions = Pick<StepMetrics, "versionFrom" | "versionTo">;

/**
 * How silver goes on after bronze's column changed type: on a warehouse whose change feed is not read across the
 * change (`rebuildAfterTypeChange`), the next silver run asks for a rebuild and the rebuild is what runs the model
 * again; elsewhere silver runs from its checkpoint.
 */
async function silverAfterTypeChange(
  ctx: SuiteContext,
  spec: PipelineSpec,
  again: () => Promise<Versions>,
): Promise<() => Promise<Versions>> {
  if (!ctx.rebuildAfterTypeChange) return again;
  await assert.rejects(again(), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, /changed its type within versions 2\.\.2 .*rebuild the model/);
    return true;
  });
  return async () => {
    const r = await rebuildSilver(spec, "posts_flat", process.env);
    return { versionFrom: r.versionFrom, versionTo: r.versionTo };
  };
}

/** Silver behaviour every warehouse keeps: SCD1 and SCD2 merges, filters, pruned versions and rebuilds. */
export function silverSuite(ctx: SuiteContext): void {
  const fixture = fixtures(ctx);

  async function setup(model = silverModel(), table: Partial<TableSpec> = {}) {
    const fx = await fixture(
      tableSpec({ deletes: { mode: "soft", column: "deleted", value: true }, ...table }),
      [model],
    );
    const step = async () => {
      await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
      return silver({ pipeline: fx.spec.name, step: "silver", table: model.name }, fx.ctx());
    };
    return { fx, step };
  }

  describe(`silver on ${ctx.harness.kind}`, () => {
    suiteTest(ctx, "SCD2 keeps a closed row per change and one current row per live key", async () => {
      const { fx, step } = await setup(
        silverModel({
          scd: 2,
          columns: [
            { name: "id", from: "id" },
            { name: "title", from: "title" },
          ],
        }),
      );
      await fx.land([row(1, "a", 1), row(2, "x", 1)]);
      await step();
      await fx.land([row(1, "b", 2), row(2, "x", 1)]);
      await step();
      await fx.land([row(1, "b", 3, { deleted: true })]);
      const m = await step();
      assert.equal(m.deleted, 1);
      const rows = await fx.silverRows(
        "posts_flat",
        ["id", "title", "is_current", "valid_from", "valid_to"],
        {
          orderBy: ["id", "valid_from"],
        },
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.title, r.is_current, r.valid_to === null]),
        [
          ["1", "a", "false", false],
          ["1", "b", "false", false],
          ["2", "x", "true", true],
        ],
      );
      for (const { id, valid_from, valid_to } of rows) {
        if (valid_to) assert.ok(String(valid_from) < valid_to, `${id}: valid_from < valid_to`);
      }
    });

    suiteTest(
      ctx,
      "rows failing the model's where are kept out of silver and removed when they stop matching",
      async () => {
        const { fx, step } = await setup(silverModel({ where: "account_type_id <> 9" }));
        await fx.land([row(1, "a", 1), row(2, "b", 1, { account_type_id: 9 })]);
        await step();
        await fx.land([row(1, "a", 2, { account_type_id: 9 })]);
        await step();
        assert.deepEqual(await fx.silverRows("posts_flat", ["id"]), []);
      },
    );

    suiteTest(
      ctx,
      "a silver run whose versions were pruned fails clearly, and a rebuild from bronze recovers",
      async () => {
        const { fx, step } = await setup();
        await fx.land([row(1, "a", 1), row(2, "b", 1)]);
        await step();
        const first = await pruneChangeFeed(fx.spec, "posts", process.env);
        assert.equal(first.floor, 1);
        assert.equal(first.deletedRows, 2);
        await fx.land([row(1, "c", 2)]);
        await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
        await fx.land([row(3, "d", 3)]);
        await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
        // Forced past the reader: keep only the newest version.
        const forced = await pruneChangeFeed(fx.spec, "posts", process.env, { keepLast: 0 });
        assert.equal(forced.floor, 1, "a consumer's checkpoint holds the floor even with keepLast");
        assert.ok(ctx.harness.forgetChanges, "the harness can make the change feed forget versions");
        await ctx.harness.forgetChanges(fx.spec, "posts", 2);
        await assert.rejects(
          silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx()),
          (e: unknown) => {
            assert.ok(e instanceof DataError);
            assert.match(e.message, /versions 2\.\.2 of table .*posts were pruned/);
            assert.match(e.message, /rebuild/);
            return true;
          },
        );
        const rebuilt = await rebuildSilver(fx.spec, "posts_flat", process.env);
        assert.deepEqual([rebuilt.inserted, rebuilt.versionTo], [3, 3]);
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "title"]), [
          { id: "1", title: "c" },
          { id: "2", title: "b" },
          { id: "3", title: "d" },
        ]);
        const again = await silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx());
        assert.equal(again.rowsRead, 0);
      },
    );

    suiteTest(
      ctx,
      "a value widened at the source that the silver column's type would change stops silver until the column is widened as the message says",
      async () => {
        const { fx, step } = await setup(
          silverModel({
            columns: [
              { name: "id", from: "id" },
              { name: "amount", from: "amount" },
            ],
          }),
        );
        const request = { pipeline: fx.spec.name, step: "silver" as const, table: "posts_flat" };
        const runBronze = () => bronze({ ...request, step: "bronze", table: "posts" }, fx.ctx());
        await fx.land([row(1, "a", 1, { amount: "1.50" })], { columns: NARROW_AMOUNT });
        await step();
        // The source widened amount to DECIMAL(20,4): bronze refuses the value until widened as its message says.
        await fx.land([row(2, "b", 2, { amount: "1.2345" })]);
        for (const sql of await wayOut(runBronze, "widen bronze")) await ctx.harness.execute(sql);
        assert.equal((await runBronze()).inserted, 1);
        const again = await silverAfterTypeChange(ctx, fx.spec, () => silver(request, fx.ctx()));
        const before = await fx.silverRows("posts_flat", ["id", "amount"]);
        assert.deepEqual(before, [{ id: "1", amount: "1.50" }]);
        const widenSilver = await wayOut(again, "widen silver", (e) => {
          assert.equal(e.retryable, false);
          assert.match(
            e.message,
            new RegExp(
              `^silver table ${fx.spec.silverSchema}\\.posts_flat: column amount is (numeric|decimal)\\(10,2\\) in silver, but the model gives it as (numeric|decimal)\\(20,4\\)`,
            ),
          );
          assert.match(e.message, /value 1\.2345 would change to fit it \(row id=2\)/);
          assert.match(e.message, /nothing was applied and retrying as it is will not help$/);
        });
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "amount"]), before, "nothing written");
        for (const sql of widenSilver) await ctx.harness.execute(sql);
        const resumed = await again();
        if (!ctx.rebuildAfterTypeChange) assert.equal(resumed.versionFrom, 1, "from the checkpoint it had");
        assert.equal(resumed.versionTo, 2);
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "amount"]), [
          { id: "1", amount: "1.5000" },
          { id: "2", amount: "1.2345" },
        ]);
        // The model goes on from there: later values arrive exact.
        await fx.land([row(3, "c", 3, { amount: "2.3456" })]);
        const next = await step();
        assert.deepEqual([next.versionFrom, next.versionTo, next.inserted], [2, 3, 1]);
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "amount"]), [
          { id: "1", amount: "1.5000" },
          { id: "2", amount: "1.2345" },
          { id: "3", amount: "2.3456" },
        ]);
      },
    );

    suiteTest(
      ctx,
      "a column whose type changes kind at the source stops bronze and then silver, numeric text included, until each takes the new type as its message says",
      async () => {
        const { fx, step } = await setup(
          silverModel({
            columns: [
              { name: "id", from: "id" },
              { name: "account_type", from: "account_type_id" },
            ],
          }),
          // Clustered, so that the way out keeps bronze's clustering.
          { clusterBy: ["title"] },
        );
        const request = { pipeline: fx.spec.name, step: "silver" as const, table: "posts_flat" };
        const runBronze = () => bronze({ ...request, step: "bronze", table: "posts" }, fx.ctx());
        await fx.land([row(1, "a", 1, { account_type_id: 3 })]);
        await step();
        // The source made account_type_id a VARCHAR: its values are still numeric text, which an integer column
        // would take, but the column no longer holds numbers at the source.
        await fx.land([row(2, "b", 2, { account_type_id: "7" })], { columns: TEXT_ACCOUNT_TYPE });
        const retypeBronze = await wayOut(runBronze, "give bronze the new type", (e) => {
          assert.equal(e.retryable, false);
          assert.match(
            e.message,
            /column account_type_id is (integer|int) in bronze, but batch\(es\) .* land it as (text|STRING) \(its type changed at the source\) and that is a change of kind \(numeric to string\), across which no value is cast, whatever it is \(value 7 among them\)/,
          );
          assert.match(e.message, /nothing was applied and retrying as it is will not help$/);
        });
        assert.deepEqual(await fx.bronzeRows(["id", "account_type_id"]), [{ id: "1", account_type_id: "3" }]);
        for (const sql of retypeBronze) await ctx.harness.execute(sql);
        assert.equal((await runBronze()).inserted, 1);
        assert.deepEqual(await fx.bronzeRows(["id", "account_type_id"]), [
          { id: "1", account_type_id: "3" },
          { id: "2", account_type_id: "7" },
        ]);
        const again = await silverAfterTypeChange(ctx, fx.spec, () => silver(request, fx.ctx()));
        const retypeSilver = await wayOut(again, "give silver the new type", (e) => {
          assert.equal(e.retryable, false);
          assert.match(
            e.message,
            new RegExp(
              `^silver table ${fx.spec.silverSchema}\\.posts_flat: column account_type is (integer|int) in silver, but the model gives it as (text|string) .*a change of kind \\(numeric to string\\).*value [37] among them`,
            ),
          );
        });
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "account_type"]), [
          { id: "1", account_type: "3" },
        ]);
        for (const sql of retypeSilver) await ctx.harness.execute(sql);
        assert.equal((await again()).versionTo, 2);
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "account_type"]), [
          { id: "1", account_type: "3" },
          { id: "2", account_type: "7" },
        ]);
        // Both go on from there with text that is no number.
        await fx.land([row(3, "c", 3, { account_type_id: "gold" })], { columns: TEXT_ACCOUNT_TYPE });
        const next = await step();
        assert.deepEqual([next.versionFrom, next.versionTo, next.inserted], [2, 3, 1]);
        assert.deepEqual(await fx.silverRows("posts_flat", ["id", "account_type"]), [
          { id: "1", account_type: "3" },
          { id: "2", account_type: "7" },
          { id: "3", account_type: "gold" },
        ]);
      },
    );

    suiteTest(ctx, "includeAll copies every bronze data column not named by the model", async () => {
      const { fx, step } = await setup(
        silverModel({ includeAll: true, columns: [{ name: "post_id", from: "id" }], key: ["post_id"] }),
      );
      await fx.land([row(1, "a", 1)]);
      await step();
      assert.deepEqual(await ctx.harness.columns(fx.spec.silverSchema, "posts_flat"), [
        "post_id",
        "account_type_id",
        "title",
        "amount",
        "payload",
        "updated_at",
        "deleted",
        "_smelter_commit_version",
        "_smelter_updated_at",
      ]);
    });

    suiteTest(
      ctx,
      "bronze and silver report their tables with the warehouse's columns as lineage",
      async () => {
        const { fx } = await setup();
        await fx.land([row(1, "a", 1), row(2, "b", 1)]);
        const b = await bronze({ pipeline: fx.spec.name, step: "bronze", table: "posts" }, fx.ctx());
        const s = await silver({ pipeline: fx.spec.name, step: "silver", table: "posts_flat" }, fx.ctx());
        const scheme = `${warehouseDialect(ctx.harness.kind).lineage.scheme}://`;
        const [bronzeOut] = b.lineage?.outputs ?? [];
        assert.ok(bronzeOut?.namespace.startsWith(scheme), bronzeOut?.namespace);
        assert.match(bronzeOut?.name ?? "", new RegExp(`(^|\\.)${fx.spec.bronzeSchema}\\.posts$`));
        assert.equal(bronzeOut?.rows, 2);
        const bronzeFields = new Map(bronzeOut?.fields?.map((f) => [f.name, f.type]));
        assert.deepEqual(
          ["id", "title", "amount", "updated_at"].map(
            (c) => bronzeFields.get(c) !== undefined && bronzeFields.get(c) !== "",
          ),
          [true, true, true, true],
        );
        assert.deepEqual(s.lineage?.inputs, [
          { namespace: bronzeOut?.namespace, name: bronzeOut?.name, layer: "bronze" },
        ]);
        const [model] = s.lineage?.outputs ?? [];
        assert.match(model?.name ?? "", new RegExp(`(^|\\.)${fx.spec.silverSchema}\\.posts_flat$`));
        assert.equal(model?.rows, 2);
        assert.deepEqual(
          model?.fields?.map((f) => f.name),
          await ctx.harness.columns(fx.spec.silverSchema, "posts_flat"),
        );
        assert.doesNotMatch(JSON.stringify([b.lineage, s.lineage]), /@|password/i);
      },
    );
  });
}
