import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "node:test";
import { fileURLToPath } from "node:url";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import { resolveDatabase } from "../../../../src/spec/resolve.ts";
import { warehouseDialect } from "../../../../src/warehouse/index.ts";
import { type Fixture, POSTS, tableSpec } from "../fixture.ts";
import { type SuiteContext, suiteTest } from "../harness.ts";
import { SourceModel } from "../source-model.ts";
import { fixtures } from "./context.ts";

const CHILD = fileURLToPath(new URL("../step-child.ts", import.meta.url));
const POINTS = [
  "bronze:after-stage",
  "bronze:after-merge",
  "bronze:after-commit",
  "silver:after-merge",
  "silver:after-commit",
];

/** Runs bronze or silver of `target` in a child process, killed at `fault` after passing it `skip` times. */
export function runChild(
  fx: Fixture,
  specFile: string,
  step: string,
  target: string,
  fault?: string,
  skip = 0,
) {
  const env = { ...process.env, SMELTER_FAULT_POINT: fault ?? "", SMELTER_FAULT_SKIP: String(skip) };
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, specFile, step, target], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (d) => fx.logs.push(String(d)));
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Bronze, change feed and silver without the columns that name batches or wall-clock time. */
async function state(ctx: SuiteContext, fx: Fixture): Promise<unknown> {
  const cols = POSTS.map((c) => c.name);
  const silverColumns = ((await ctx.harness.columns(fx.spec.silverSchema, "posts_flat")) ?? []).filter(
    (c) => c !== "_smelter_updated_at",
  );
  return {
    bronze: await fx.bronzeRows(cols, { json: ["payload"] }),
    changes: await fx.changes(cols, { json: ["payload"] }),
    silver: await fx.silverRows("posts_flat", silverColumns),
  };
}

/** Crash safety every warehouse keeps: a kill at any fault point, then a retry, converges. */
export function crashSuite(ctx: SuiteContext): void {
  const fixture = fixtures(ctx);
  describe(`crash safety on ${ctx.harness.kind}`, () => {
    suiteTest(
      ctx,
      "killing bronze or silver at any step and retrying converges to the same bronze, change feed and silver",
      async () => {
        const table = tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } });
        const reference = await fixture(table);
        const crashed = await fixture(table);
        const specFile = join(crashed.dir, "spec.json");
        await writeFile(specFile, JSON.stringify(crashed.spec));
        const source = new SourceModel(21);
        for (const [round, point] of POINTS.entries()) {
          const rows = source.round({
            inserts: round === 0 ? 200 : 15,
            updates: 20,
            deletes: 5,
            redeliver: 10,
            softDelete: true,
          });
          await reference.land(rows);
          await crashed.land(rows);
          const request = { pipeline: reference.spec.name, step: "bronze" as const, table: "posts" };
          await bronze(request, reference.ctx());
          await silver({ ...request, step: "silver", table: "posts_flat" }, reference.ctx());

          const [step] = point.split(":") as [string];
          if (step === "silver") assert.equal((await runChild(crashed, specFile, "bronze", "posts")).code, 0);
          const killed = await runChild(
            crashed,
            specFile,
            step,
            step === "bronze" ? "posts" : "posts_flat",
            point,
          );
          assert.equal(killed.signal, "SIGKILL", `${point}: the step was killed (${crashed.logs.join("")})`);
          if (step === "bronze") assert.equal((await runChild(crashed, specFile, "bronze", "posts")).code, 0);
          assert.equal(
            (await runChild(crashed, specFile, "silver", "posts_flat")).code,
            0,
            crashed.logs.join(""),
          );
          assert.deepEqual(
            await state(ctx, crashed),
            await state(ctx, reference),
            `after a kill at ${point}`,
          );
        }
      },
    );

    suiteTest(
      ctx,
      "bronze commits alternating between processes, one killed after its merge, apply every batch once",
      async () => {
        const table = tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } });
        const reference = await fixture(table);
        const shared = await fixture(table);
        const specFile = join(shared.dir, "spec.json");
        await writeFile(specFile, JSON.stringify(shared.spec));
        const source = new SourceModel(33);
        // Commits here and in another process in turn: what this process remembers of a table must give way to
        // what the other one committed, recorded or (killed before its record) only in the table's history, and
        // the other process, reading the records afterwards, must find that commit recorded.
        const turns = ["here", "there", "here", "killed there", "here", "there"] as const;
        for (const turn of turns) {
          const rows = source.round({ inserts: 20, updates: 8, deletes: 3, redeliver: 4, softDelete: true });
          await reference.land(rows);
          await shared.land(rows);
          const request = { pipeline: reference.spec.name, step: "bronze" as const, table: "posts" };
          await bronze(request, reference.ctx());
          await silver({ ...request, step: "silver", table: "posts_flat" }, reference.ctx());
          if (turn === "here") {
            await bronze({ ...request, pipeline: shared.spec.name }, shared.ctx());
            await silver(
              { ...request, pipeline: shared.spec.name, step: "silver", table: "posts_flat" },
              shared.ctx(),
            );
          } else {
            const ran = await runChild(
              shared,
              specFile,
              "bronze",
              "posts",
              turn === "killed there" ? "bronze:after-merge" : undefined,
            );
            assert.equal(
              ran.signal ?? ran.code,
              turn === "killed there" ? "SIGKILL" : 0,
              shared.logs.join(""),
            );
          }
        }
        await silver({ pipeline: shared.spec.name, step: "silver", table: "posts_flat" }, shared.ctx());
        // The change feed and the versions may differ: a batch whose commit was killed before it was durable is
        // applied with the next one.
        const columns = ((await ctx.harness.columns(shared.spec.silverSchema, "posts_flat")) ?? []).filter(
          (c) => !["_smelter_updated_at", "_smelter_commit_version"].includes(c),
        );
        const rows = async (fx: Fixture) => ({
          bronze: await fx.bronzeRows(
            POSTS.map((c) => c.name),
            { json: ["payload"] },
          ),
          silver: await fx.silverRows("posts_flat", columns),
        });
        assert.deepEqual(await rows(shared), await rows(reference));
        const db = resolveDatabase(shared.spec, shared.spec.warehouse, process.env);
        const dialect = warehouseDialect(db.kind);
        const query = (fx: Fixture) => ({
          pipeline: fx.spec.name,
          bronzeSchema: fx.spec.bronzeSchema,
          silverSchema: fx.spec.silverSchema,
          tables: ["posts"],
          models: ["posts_flat"],
        });
        const described = (await dialect.describe(db, query(shared), 60_000)).tables.get("posts");
        const expected = (await dialect.describe(db, query(reference), 60_000)).tables.get("posts");
        assert.deepEqual(
          [described?.batches, described?.appliedRows],
          [turns.length, expected?.appliedRows],
          "each batch recorded once",
        );
      },
    );
  });
}
