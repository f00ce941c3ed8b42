import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

/** Runs the smelter CLI as a CI job would. */
function smelter(...args: string[]) {
  const run = spawnSync(process.execPath, ["bin/smelter.js", ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("the validate, generate and plan commands", () => {
  let dir = "";
  let bad = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "smelter-cli-"));
    bad = join(dir, "bad.yaml");
    await writeFile(bad, "version: 1\nname: bad\nconnections: {}\nwarehouse: w\nlanding: l\ntables: []\n");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("validate exits 0 for valid specs and 1 with every located problem otherwise", () => {
    assert.equal(smelter("validate", "test/fixtures/specs/minimal.yaml").code, 0);
    const run = smelter("validate", "test/fixtures/specs/minimal.yaml", bad);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^ok test\/fixtures\/specs\/minimal.yaml: shop/);
    assert.match(run.stderr, /bad\.yaml:3:14 connections: must be a map of one or more named connections/);
    assert.match(run.stderr, /bad\.yaml:6:9 tables: must be a non-empty list of tables/);
  });

  test("validate --format json gives machines the problems", () => {
    const run = smelter("validate", "--format", "json", bad);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.valid, false);
    assert.deepEqual(Object.keys(report.problems[0]).sort(), ["column", "file", "line", "message", "path"]);
  });

  test("generate writes nothing when any spec is invalid", async () => {
    const out = join(dir, "dags");
    const run = smelter("generate", "--out", out, "test/fixtures/specs/minimal.yaml", bad);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no DAG file written/);
    assert.deepEqual(await readdir(out).catch(() => []), []);
  });

  test("generate writes one file per spec and --check then finds them up to date", () => {
    const out = join(dir, "fresh");
    const run = smelter("generate", "--out", out, "test/fixtures/specs/minimal.yaml");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /wrote .*smelter__shop\.py \(smelter__shop\)/);
    assert.equal(smelter("generate", "--check", "--out", out, "test/fixtures/specs/minimal.yaml").code, 0);
    assert.equal(smelter("generate", "--check", "--out", out, "test/fixtures/specs/social.yaml").code, 1);
  });

  test("plan shows the task graph", () => {
    const run = smelter("plan", "test/fixtures/specs/minimal.yaml");
    assert.equal(run.code, 0);
    assert.equal(
      run.stdout,
      [
        "smelter__shop: schedule @hourly; 8 tasks at a time",
        "  extract__orders [extract orders]",
        "  bronze__orders [bronze orders] after extract__orders",
        "  extract__customers [extract customers]",
        "  bronze__customers [bronze customers] after extract__customers",
        "",
      ].join("\n"),
    );
  });

  test("usage errors exit 2", () => {
    assert.equal(smelter("validate").code, 2);
    assert.equal(smelter("no-such-command").code, 2);
    assert.equal(smelter("plan", "--format", "xml", "test/fixtures/specs/minimal.yaml").code, 2);
  });
});
