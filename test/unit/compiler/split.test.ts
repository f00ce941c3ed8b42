import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { compileDagFiles, compilePipeline, isDagFileOf } from "../../../src/compiler/generate.ts";
import { isEntryDagId, partOf, planPipeline } from "../../../src/compiler/plan.ts";
import { ConfigError } from "../../../src/errors.ts";
import { loadPipeline, parsePipeline } from "../../../src/registry.ts";
import type { LoadedPipeline } from "../../../src/spec/types.ts";

/*
 * `airflow.split`: one DAG file per part, pinned byte for byte like the single-file DAGs (rewrite with
 * SMELTER_UPDATE_GOLDEN=1 and review the diff), and a table's part that depends on its name alone.
 */
const SPECS = "test/fixtures/split";
const GOLDEN = "test/golden/split";
const update = process.env.SMELTER_UPDATE_GOLDEN === "1";

describe("the files of a split pipeline match the golden files", () => {
  for (const spec of readdirSync(SPECS)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    test(spec, async () => {
      for (const dag of compileDagFiles(await loadPipeline(`${SPECS}/${spec}`))) {
        const golden = join(GOLDEN, dag.fileName);
        if (update) writeFileSync(golden, dag.source);
        assert.equal(dag.source, readFileSync(golden, "utf8"), dag.fileName);
        execFileSync("python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", golden]);
      }
    });
  }
});

/** The shop fixture with `tables` instead of its own (same spec otherwise). */
function shopWith(tables: string[], parts = 3): LoadedPipeline {
  const rows = tables.map((t) => `  - { name: ${t}, primary_key: [id], cursor: [updated_at] }`).join("\n");
  const text = `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: db.internal, database: shop, user: reader, password: { env: SHOP_DB_PASSWORD } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: s3, bucket: { env: LANDING_BUCKET } }
warehouse: warehouse
landing: landing
defaults: { source: shop_db }
tables:
${rows}
silver:
  - { name: orders_flat, from: orders, include_all: true }
airflow:
  schedule: "@hourly"
  split: { by: hash, parts: ${parts} }
`;
  return parsePipeline(text, "shop.yaml");
}

/** Each task id of the pipeline → the DAG it is in. */
function dagOfTask(loaded: LoadedPipeline): Map<string, string> {
  return new Map(planPipeline(loaded.spec).dags.flatMap((d) => d.tasks.map((t) => [t.taskId, d.dagId])));
}

describe("compiling a split pipeline", () => {
  test("gives one file per part, named and with DAG ids after the part, in the order of the parts", async () => {
    const files = compileDagFiles(await loadPipeline(`${SPECS}/shop.yaml`));
    assert.deepEqual(
      files.map((f) => [f.fileName, f.dagIds, f.entryDagIds]),
      [0, 1, 2].map((k) => [`smelter__shop__p${k}.py`, [`smelter__shop__p${k}`], [`smelter__shop__p${k}`]]),
    );
    for (const f of files) assert.ok(isDagFileOf("shop", f.fileName));
  });

  test("every file has the same header (spec and its hash) and the same schedule", async () => {
    const loaded = await loadPipeline(`${SPECS}/shop.yaml`);
    const files = compileDagFiles(loaded);
    const head = (source: string) => source.split("\n").slice(0, 2).join("\n");
    for (const f of files) {
      assert.equal(head(f.source), head(files[0]!.source));
      assert.match(f.source, new RegExp(`^# spec sha256: ${loaded.hash}$`, "m"));
      assert.match(f.source, /^ {4}schedule="@hourly",$/m);
    }
  });

  test("is deterministic: compiling twice gives byte-identical files", async () => {
    const a = compileDagFiles(await loadPipeline(`${SPECS}/shop.yaml`));
    const b = compileDagFiles(await loadPipeline(`${SPECS}/shop.yaml`));
    assert.deepEqual(a, b);
  });

  test("a silver model is in the DAG of the table it reads, after its bronze task", () => {
    const plan = planPipeline(shopWith(["customers", "orders", "products"]).spec);
    const dag = plan.dags.find((d) => d.tasks.some((t) => t.taskId === "silver__orders_flat"))!;
    const silver = dag.tasks.find((t) => t.taskId === "silver__orders_flat")!;
    assert.deepEqual(silver.upstream, ["bronze__orders"]);
    assert.ok(dag.tasks.some((t) => t.taskId === "bronze__orders"));
    for (const d of plan.dags) {
      const ids = new Set(d.tasks.map((t) => t.taskId));
      for (const t of d.tasks)
        for (const u of t.upstream) assert.ok(ids.has(u), `${t.taskId} ← ${u} crosses DAGs`);
    }
  });

  test("adding or removing a table moves no other table to another DAG", () => {
    const tables = Array.from({ length: 40 }, (_, i) => `t${i}`).concat("orders");
    const before = dagOfTask(shopWith(tables));
    const added = dagOfTask(shopWith(["new_table", ...tables.slice(0, 20), "another", ...tables.slice(20)]));
    const removed = dagOfTask(shopWith(tables.filter((t) => t !== "t7")));
    for (const [task, dag] of before) {
      assert.equal(added.get(task), dag, `${task} after adding tables`);
      if (!task.endsWith("__t7")) assert.equal(removed.get(task), dag, `${task} after removing t7`);
    }
    // The rule is the name's hash, not the position: the same table is in the same part in any spec.
    assert.equal(partOf({ by: "hash", parts: 3 }, { name: "orders", source: "x" }), "p2");
    assert.equal(partOf({ by: "source" }, { name: "orders", source: "shop_db" }), "src__shop_db");
  });

  test("parts no table hashes to make no file", () => {
    const files = compileDagFiles(shopWith(["orders"], 5));
    assert.deepEqual(
      files.map((f) => f.fileName),
      ["smelter__shop__p2.py"],
    );
  });

  test("with assets, the silver DAG has a file of its own, runs on the bronze Assets of every part and is not triggered", async () => {
    const files = compileDagFiles(await loadPipeline(`${SPECS}/crm_assets.yaml`));
    assert.deepEqual(
      files.map((f) => [f.fileName, f.entryDagIds]),
      [
        ["smelter__crm__src__crm_eu.py", ["smelter__crm__src__crm_eu"]],
        ["smelter__crm__src__crm_us.py", ["smelter__crm__src__crm_us"]],
        ["smelter__crm__silver.py", []],
      ],
    );
    const silver = files[2]!.source;
    assert.match(
      silver,
      /schedule=AssetAny\(\*\(_asset\(key\) for key in \("bronze\/eu_contacts", "bronze\/us_contacts"\)\)\)/,
    );
    assert.match(files[0]!.source, /"bronze\/eu_contacts", "bronze\/eu_deals"/);
    assert.match(files[1]!.source, /\("bronze\/us_contacts",\)/);
  });

  test("compilePipeline refuses a split pipeline instead of returning one of its files", async () => {
    const loaded = await loadPipeline(`${SPECS}/shop.yaml`);
    assert.throws(
      () => compilePipeline(loaded),
      (e: unknown) => e instanceof ConfigError && /split across 3 DAG files/.test(e.message),
    );
  });

  test("without split, compileDagFiles gives the one file compilePipeline gives", async () => {
    for (const spec of ["minimal", "social", "per_source", "per_table"]) {
      const loaded = await loadPipeline(`test/fixtures/specs/${spec}.yaml`);
      assert.deepEqual(compileDagFiles(loaded), [compilePipeline(loaded)]);
    }
  });

  test("the DAGs that run a pipeline are its main DAG and its parts, never the silver DAG or another pipeline's", () => {
    assert.ok(isEntryDagId("shop", "smelter__shop"));
    assert.ok(isEntryDagId("shop", "smelter__shop__p0"));
    assert.ok(isEntryDagId("shop", "smelter__shop__p12"));
    assert.ok(isEntryDagId("shop", "smelter__shop__src__shop_db"));
    assert.ok(!isEntryDagId("shop", "smelter__shop__silver"));
    assert.ok(!isEntryDagId("shop", "smelter__shopx__p0"));
    assert.ok(!isEntryDagId("shop", "smelter__shop__pa"));
    assert.ok(isDagFileOf("shop", "smelter__shop.py"));
    assert.ok(!isDagFileOf("shop", "smelter__shopx.py"));
    assert.ok(!isDagFileOf("shop", "smelter__shopx__p0.py"));
  });
});

test("smelter generate writes every part's file, and --check finds them up to date", async () => {
  const out = await mkdtemp(join(tmpdir(), "smelter-split-cli-"));
  try {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["bin/smelter.js", ...args], { encoding: "utf8" });
    const run = cli("generate", "--out", out, `${SPECS}/shop.yaml`);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual((await readdir(out)).sort(), [
      "smelter__shop__p0.py",
      "smelter__shop__p1.py",
      "smelter__shop__p2.py",
    ]);
    assert.equal(cli("generate", "--check", "--out", out, `${SPECS}/shop.yaml`).status, 0);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
