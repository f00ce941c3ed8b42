import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { compilePipeline, writeDagFile } from "../../../src/compiler/generate.ts";
import { loadPipeline } from "../../../src/registry.ts";

/*
 * Generated DAG files are pinned byte for byte. After an intended change, rewrite the golden files with
 * SMELTER_UPDATE_GOLDEN=1 and review the diff.
 */
const SPECS = "test/fixtures/specs";
const GOLDEN = "test/golden";
const update = process.env.SMELTER_UPDATE_GOLDEN === "1";

describe("generated DAG files match the golden files", () => {
  for (const spec of readdirSync(SPECS)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    test(spec, async () => {
      const dag = compilePipeline(await loadPipeline(`${SPECS}/${spec}`));
      const golden = join(GOLDEN, spec.replace(/\.yaml$/, ".py"));
      if (update) writeFileSync(golden, dag.source);
      assert.equal(dag.source, readFileSync(golden, "utf8"));
      execFileSync("python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", golden]);
    });
  }
});

test("generating twice gives byte-identical output", async () => {
  const a = compilePipeline(await loadPipeline(`${SPECS}/social.yaml`));
  const b = compilePipeline(await loadPipeline(`${SPECS}/social.yaml`));
  assert.equal(a.source, b.source);
});

test("the DAG passes deferrable to its operators only when the spec sets it", async () => {
  const loaded = await loadPipeline(`${SPECS}/minimal.yaml`);
  const deferrableArg = (deferrable: boolean | null) => {
    const airflow = { ...loaded.spec.airflow, deferrable };
    const { source } = compilePipeline({ ...loaded, spec: { ...loaded.spec, airflow } });
    return /^ {4}"deferrable": .*$/m.exec(source)?.[0] ?? null;
  };
  // Unset: the operator follows Airflow's [operators] default_deferrable.
  assert.equal(deferrableArg(null), null);
  assert.equal(deferrableArg(true), '    "deferrable": True,');
  assert.equal(deferrableArg(false), '    "deferrable": False,');
});

test("the DAG file names no credential and no connection detail", async () => {
  const { source } = compilePipeline(await loadPipeline(`${SPECS}/social.yaml`));
  for (const secretish of ["SOCIAL_DB", "AWS_", "password", "127.0.0.1", "run/secrets", "smelter-landing"]) {
    assert.ok(!source.includes(secretish), `DAG file mentions ${secretish}`);
  }
});

test("writing is atomic and leaves an unchanged file alone", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smelter-dags-"));
  try {
    const dag = compilePipeline(await loadPipeline(`${SPECS}/minimal.yaml`));
    assert.equal(await writeDagFile(dir, dag), true);
    assert.equal(await writeDagFile(dir, dag), false);
    assert.deepEqual(await readdir(dir), ["smelter__shop.py"]);
    assert.equal(await readFile(join(dir, "smelter__shop.py"), "utf8"), dag.source);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
