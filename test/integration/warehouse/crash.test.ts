import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bronze } from "../../../src/executors/bronze.ts";
import { silver } from "../../../src/executors/silver.ts";
import { Fixture, tableSpec } from "./fixture.ts";
import { SourceModel } from "./source-model.ts";

const CHILD = fileURLToPath(new URL("./step-child.ts", import.meta.url));
const POINTS = [
  "bronze:after-stage",
  "bronze:after-merge",
  "bronze:after-commit",
  "silver:after-merge",
  "silver:after-commit",
];

function runChild(fx: Fixture, specFile: string, step: string, target: string, fault?: string) {
  const env = { ...process.env, SMELTER_FAULT_POINT: fault ?? "" };
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
async function state(fx: Fixture): Promise<unknown> {
  const b = fx.spec.bronzeSchema;
  const cols = "id, account_type_id, title, amount::text, payload::text, updated_at::text, deleted";
  return {
    bronze: await fx.query(`SELECT ${cols} FROM "${b}".posts ORDER BY 1`),
    changes: await fx.query(
      `SELECT _commit_version, _change_type, ${cols} FROM "${b}".posts__changes ORDER BY 1, 2, 3`,
    ),
    silver: await fx
      .query(`SELECT * FROM "${fx.spec.silverSchema}".posts_flat ORDER BY id`)
      .then((rows) => rows.map(({ _smelter_updated_at, ...rest }) => rest)),
  };
}

const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
});

test("killing bronze or silver at any step and retrying converges to the same bronze, change feed and silver", async () => {
  const table = tableSpec({ deletes: { mode: "soft", column: "deleted", value: true } });
  const reference = await Fixture.create(table);
  const crashed = await Fixture.create(table);
  fixtures.push(reference, crashed);
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
    const killed = await runChild(crashed, specFile, step, step === "bronze" ? "posts" : "posts_flat", point);
    assert.equal(killed.signal, "SIGKILL", `${point}: the step was killed (${crashed.logs.join("")})`);
    if (step === "bronze") assert.equal((await runChild(crashed, specFile, "bronze", "posts")).code, 0);
    assert.equal((await runChild(crashed, specFile, "silver", "posts_flat")).code, 0, crashed.logs.join(""));
    assert.deepEqual(await state(crashed), await state(reference), `after a kill at ${point}`);
  }
});
