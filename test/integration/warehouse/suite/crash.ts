import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "node:test";
import { fileURLToPath } from "node:url";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
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
  });
}
