import assert from "node:assert/strict";
import { test } from "node:test";
import { modelTables, sourceTableSql, tableNames, thousandSpec } from "../../../bench/thousand/spec.ts";
import { compileDagFiles, compilePipeline } from "../../../src/compiler/generate.ts";
import { parsePipeline } from "../../../src/registry.ts";

const options = {
  name: "bench_thousand_abc123",
  tables: 1000,
  modelsEvery: 100,
  sourceDatabase: "bench_thousand_abc123",
  warehouseDatabase: "bench_thousand_abc123_wh",
  landingPrefix: "bench-thousand/abc123",
  connectionId: "bench_thousand_abc123",
  maxActiveTasks: 16,
} as const;

test("table names are zero-padded so that they sort as numbers, four digits at least", () => {
  assert.deepEqual(tableNames(3), ["t0001", "t0002", "t0003"]);
  assert.equal(tableNames(12_000).at(-1), "t12000");
  assert.equal(tableNames(12_000)[0], "t00001");
});

test("every n-th table gets a silver model, starting with the first; 0 means none", () => {
  assert.deepEqual(modelTables(250, 100), ["t0001", "t0101", "t0201"]);
  assert.deepEqual(modelTables(250, 0), []);
});

test("the 1,000-table spec loads and compiles: layout step has extract and bronze per table and a task per model", () => {
  const pipeline = parsePipeline(thousandSpec({ ...options, layout: "step" }), "bench.yaml");
  assert.equal(pipeline.spec.tables.length, 1000);
  assert.equal(pipeline.spec.silver.length, 10);
  assert.equal(pipeline.spec.airflow.connectionId, "bench_thousand_abc123");
  const dag = compilePipeline(pipeline);
  assert.deepEqual(dag.dagIds, ["smelter__bench_thousand_abc123"]);
  assert.equal(dag.source.match(/\("extract__t\d+", "extract"/g)?.length, 1000);
  assert.equal(dag.source.match(/\("bronze__t\d+", "bronze"/g)?.length, 1000);
  assert.equal(dag.source.match(/\("silver__t\d+_flat", "silver"/g)?.length, 10);
});

test("with layout table the spec compiles to one task per table and no silver task", () => {
  const dag = compilePipeline(parsePipeline(thousandSpec({ ...options, layout: "table" }), "bench.yaml"));
  assert.equal(dag.source.match(/"table__t\d+"/g)?.length, 1000);
  assert.doesNotMatch(dag.source, /"silver__/);
});

test("a source table is created with its rows in one INSERT, none without rows", () => {
  const [create, insert] = sourceTableSql("t0007", 3);
  assert.match(create!, /^CREATE TABLE `t0007` \(id INT PRIMARY KEY/);
  assert.equal(insert!.match(/\(\d+, 'row \d+ of t0007'/g)?.length, 3);
  assert.deepEqual(sourceTableSql("t0007", 0).length, 1);
});

test("with granularity source the spec compiles to one extract and one bronze task for all tables", () => {
  const dag = compilePipeline(parsePipeline(thousandSpec({ ...options, layout: "source" }), "bench.yaml"));
  assert.match(dag.source, /\("extract__src__src", "extract", None, "src"/);
  assert.match(dag.source, /\("bronze__src__src", "bronze", None, "src", \("extract__src__src",\)/);
  assert.equal(
    dag.source.match(/\("silver__t\d+_flat", "silver", "t\d+_flat", None, \("bronze__src__src",\)/g)?.length,
    10,
  );
  assert.doesNotMatch(dag.source, /"extract__t\d+"/);
});

test("with --split the 1,000 tables compile to that many DAG files that hold every table's tasks once", () => {
  const files = compileDagFiles(
    parsePipeline(thousandSpec({ ...options, layout: "step", splitParts: 10 }), "bench.yaml"),
  );
  assert.equal(files.length, 10);
  const extracts = files.map((f) => f.source.match(/\("extract__t\d+", "extract"/g)?.length ?? 0);
  assert.equal(
    extracts.reduce((a, b) => a + b, 0),
    1000,
  );
  // sha256 spreads the names: no part holds twice its share.
  assert.ok(Math.max(...extracts) < 200, `tables per part: ${extracts.join(", ")}`);
});
