import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "node:test";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import type { TableSpec } from "../../../../src/spec/types.ts";
import {
  actualBronze,
  CDC_COLUMNS,
  ChangeModel,
  FEED_COLUMNS,
  feedVersions,
  newestVersion,
} from "../change-model.ts";
import { type Fixture, tableSpec } from "../fixture.ts";
import { type SuiteContext, suiteTest } from "../harness.ts";
import { actualSilver } from "../source-model.ts";
import { fixtures } from "./context.ts";
import { runChild } from "./crash.ts";

/**
 * Batches of changes read from a source's log (`mode: cdc`), as every warehouse with `changeBatches` applies them:
 * each key's changes in log order, one version per change, changes bronze already reflects skipped, and commits
 * that converge after a kill. Extraction from the real logs is tested in test/integration/executors/extract-cdc*.
 */

const cdcTable = (soft: boolean): TableSpec =>
  tableSpec({
    mode: "cdc",
    cursor: [],
    deletes: soft ? { mode: "soft", column: "deleted", value: true } : { mode: "none" },
  });

export function changesSuite(ctx: SuiteContext): void {
  const fixture = fixtures(ctx);
  const steps = (fx: Fixture) => {
    const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
    return {
      bronze: () => bronze(request, fx.ctx()),
      silver: () => silver({ ...request, step: "silver", table: "posts_flat" }, fx.ctx()),
    };
  };
  /** Lands a snapshot of `n` rows, then applies it. */
  const snapshot = async (fx: Fixture, model: ChangeModel, n: number) => {
    await fx.land(model.snapshot(n), { columns: CDC_COLUMNS });
    await steps(fx).bronze();
  };
  /** Lands `n` changes as one drain, or two when `split`. */
  const drain = async (fx: Fixture, model: ChangeModel, n: number, split = false) => {
    const from = model.head();
    const changes = model.changes(n);
    const parts = split ? [changes.rows.slice(0, n >> 1), changes.rows.slice(n >> 1)] : [changes.rows];
    let start = from;
    for (const rows of parts) {
      await fx.land(rows, { columns: CDC_COLUMNS, changes: ChangeModel.drain(rows, start) });
      start = BigInt(String(rows.at(-1)?._smelter_position ?? start));
    }
    return changes;
  };

  describe(`change batches on ${ctx.harness.kind}`, () => {
    suiteTest(
      ctx,
      "change rounds leave bronze and silver equal to the source and every version of a key in the change feed, in order",
      async () => {
        const fx = await fixture(cdcTable(true));
        const model = new ChangeModel(41, true);
        const run = steps(fx);
        await snapshot(fx, model, 60);
        const rounds = ctx.rounds ?? 8;
        for (let round = 0; round < rounds; round++) {
          const before = await newestVersion(fx);
          const { versions } = await drain(fx, model, 40, round % 2 === 1);
          await run.bronze();
          assert.deepEqual(await actualBronze(fx), model.expectedBronze(), `bronze after round ${round}`);
          assert.deepEqual(
            await feedVersions(fx, before),
            versions,
            `change feed of round ${round}: each key's versions in log order`,
          );
          const hottest = Math.max(...[...versions.values()].map((v) => v.length));
          assert.ok(hottest >= 3, `round ${round} changed a key ${hottest} times`);
          await run.silver();
          assert.deepEqual(await actualSilver(fx), model.expectedSilver(), `silver after round ${round}`);
        }
      },
    );

    suiteTest(
      ctx,
      "changes landed again, a key inserted and deleted among them, commit no version and write no change-feed row",
      async () => {
        const fx = await fixture(cdcTable(false));
        const model = new ChangeModel(43, false);
        const run = steps(fx);
        await snapshot(fx, model, 30);
        const from = model.head();
        const { rows } = model.changes(40);
        // A key that comes and goes within the drain: bronze holds no row of it to compare positions with.
        const brief = { ...(rows[0] as Record<string, unknown>), id: 90001 };
        const position = (p: bigint) => p.toString();
        const comes = { ...brief, _smelter_op: "insert", _smelter_position: position(model.head() + 1n) };
        const goes = { ...brief, _smelter_op: "delete", _smelter_position: position(model.head() + 2n) };
        model.restart(model.head() + 2n);
        const drained = [...rows, comes, goes];
        await fx.land(drained, { columns: CDC_COLUMNS, changes: ChangeModel.drain(drained, from) });
        const first = await run.bronze();
        assert.ok(first.versionTo !== null, "the changes made versions");
        await run.silver();
        const feed = await fx.changes(FEED_COLUMNS, { json: ["payload"] });

        // As after a position moved back: the same changes in a new batch, and a drain that found nothing.
        await fx.land(drained, { columns: CDC_COLUMNS, changes: ChangeModel.drain(drained, from) });
        await fx.land([], { columns: CDC_COLUMNS, changes: ChangeModel.drain([], model.head()) });
        const again = await run.bronze();
        assert.equal(again.batches, 2);
        assert.equal(again.versionTo, null, "bronze committed no version");
        assert.deepEqual([again.inserted, again.updated, again.deleted], [0, 0, 0]);
        assert.deepEqual(
          await fx.changes(FEED_COLUMNS, { json: ["payload"] }),
          feed,
          "not one change-feed row",
        );
        assert.deepEqual(await actualBronze(fx), model.expectedBronze());
        assert.equal((await run.bronze()).batches, 0, "checkpointed batches are not applied twice");
        await run.silver();
        assert.deepEqual(await actualSilver(fx), model.expectedSilver());
      },
    );

    suiteTest(
      ctx,
      "killing bronze between rounds of changes or before their checkpoint, then retrying, converges",
      async () => {
        const crashed = await fixture(cdcTable(true));
        const specFile = join(crashed.dir, "spec.json");
        await writeFile(specFile, JSON.stringify(crashed.spec));
        const model = new ChangeModel(47, true);
        await crashed.land(model.snapshot(30), { columns: CDC_COLUMNS });
        const child = (step: string, target: string, point?: string, skip = 0) =>
          runChild(crashed, specFile, step, target, point, skip);
        assert.equal((await child("bronze", "posts")).code, 0, crashed.logs.join(""));
        // Killed after the second round, then after the last round (before its record, or COMMIT).
        for (const [point, skip] of [
          ["bronze:after-round", 1],
          ["bronze:after-merge", 0],
        ] as const) {
          const before = await newestVersion(crashed);
          const from = model.head();
          const { rows, versions } = model.changes(30);
          const hottest = Math.max(...[...versions.values()].map((v) => v.length));
          assert.ok(hottest >= 3, `the drain changes a key ${hottest} times: rounds to kill between`);
          await crashed.land(rows, { columns: CDC_COLUMNS, changes: ChangeModel.drain(rows, from) });
          const killed = await child("bronze", "posts", point, skip);
          assert.equal(killed.signal, "SIGKILL", `${point}: the step was killed (${crashed.logs.join("")})`);
          // Silver between the kill and the retry reads what was committed; the retry completes it.
          assert.equal((await child("silver", "posts_flat")).code, 0, crashed.logs.join(""));
          assert.equal((await child("bronze", "posts")).code, 0, crashed.logs.join(""));
          assert.equal((await child("silver", "posts_flat")).code, 0, crashed.logs.join(""));
          assert.deepEqual(
            await feedVersions(crashed, before),
            versions,
            `after a kill at ${point}: each key's versions once each, in log order`,
          );
          assert.deepEqual(await actualBronze(crashed), model.expectedBronze(), `bronze after ${point}`);
          assert.deepEqual(await actualSilver(crashed), model.expectedSilver(), `silver after ${point}`);
        }
      },
    );

    suiteTest(
      ctx,
      "a snapshot from a log that started over lowers bronze's positions, and the changes after it are applied",
      async () => {
        const fx = await fixture(cdcTable(false));
        const model = new ChangeModel(53, false);
        const run = steps(fx);
        await fx.land(model.snapshot(30, 10n ** 37n), { columns: CDC_COLUMNS });
        await run.bronze();
        // A rebuilt server: its log starts over, far below the positions bronze holds; a re-sync reads it again.
        model.restart(10n ** 20n);
        await fx.land(model.snapshot(0), { columns: CDC_COLUMNS });
        await run.bronze();
        await drain(fx, model, 40);
        await run.bronze();
        await run.silver();
        assert.deepEqual(await actualBronze(fx), model.expectedBronze());
        assert.deepEqual(await actualSilver(fx), model.expectedSilver());
        const positions = await fx.bronzeRows(["_smelter_position"]);
        assert.ok(positions.every((p) => BigInt(p._smelter_position as string) < 10n ** 37n));
      },
    );
  });
}
