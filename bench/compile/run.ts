/**
 * Compile benchmark: a 5,000-table spec (plus 500 silver models) through `generate`, then Airflow's own DagBag
 * parsing the generated file with the Airflow virtualenv's python. Measures and reports; asserts nothing.
 *   node --import tsx bench/compile/run.ts [tables] [iterations]
 * Writes bench/results/compile.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compilePipeline, writeDagFile } from "../../src/compiler/generate.ts";
import { loadPipeline } from "../../src/registry.ts";

const tables = Number(process.argv[2] ?? 5000);
const iterations = Number(process.argv[3] ?? 7);
const models = Math.floor(tables / 10);

function specText(): string {
  const lines = [
    "version: 1",
    "name: bench",
    "connections:",
    "  src: { kind: mariadb, host: db.internal, database: app, user: reader, password: { env: SRC_PASSWORD } }",
    "  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }",
    "  landing: { kind: s3, bucket: landing }",
    "warehouse: warehouse",
    "landing: landing",
    "defaults: { source: src, lag: 5m }",
    "tables:",
  ];
  for (let i = 0; i < tables; i++) {
    lines.push(
      `  - { name: t${i}, primary_key: [id], cursor: [updated_at], cluster_by: [network_account_type_id] }`,
    );
  }
  lines.push("silver:");
  for (let i = 0; i < models; i++) {
    lines.push(
      `  - { name: m${i}, from: t${i}, columns: [id, { name: kind, expr: "upper(kind)", type: text }] }`,
    );
  }
  lines.push("airflow: { schedule: '@hourly', max_active_tasks: 5, pool: smelter }");
  return `${lines.join("\n")}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function airflowPython(): string | undefined {
  const candidates = [
    process.env.SMELTER_AIRFLOW_VENV && join(process.env.SMELTER_AIRFLOW_VENV, "bin/python"),
    "/root/.cache/smelter/bootstrap/af/bin/python",
  ];
  return candidates.find((p): p is string => Boolean(p && existsSync(p)));
}

const PARSE = `
import json, sys, time
t0 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
t1 = time.perf_counter()
bag = DagBag(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_airflow_s": t1 - t0, "dagbag_s": t2 - t1, "dags": len(bag.dags),
  "tasks": sum(len(d.tasks) for d in bag.dags.values()), "import_errors": len(bag.import_errors),
  "errors": [str(e)[:500] for e in bag.import_errors.values()]}))
`;

const work = await mkdtemp(join(tmpdir(), "smelter-bench-compile-"));
try {
  const specFile = join(work, "bench.yaml");
  const out = join(work, "dags");
  await writeFile(specFile, specText());
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < iterations; i++) {
    await rm(out, { recursive: true, force: true });
    const start = performance.now();
    const dag = compilePipeline(await loadPipeline(specFile));
    await writeDagFile(out, dag);
    times.push((performance.now() - start) / 1000);
    bytes = dag.source.length;
  }
  const python = airflowPython();
  let parse: Record<string, unknown> | null = null;
  if (python) {
    await mkdir(out, { recursive: true });
    const text = execFileSync(python, ["-c", PARSE, out], {
      encoding: "utf8",
      env: { ...process.env, AIRFLOW__CORE__LOAD_EXAMPLES: "False" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    parse = JSON.parse(text.trim().split("\n").pop()!);
  }
  const result = {
    tables,
    silver_models: models,
    generate: { iterations, median_s: median(times), min_s: Math.min(...times), max_s: Math.max(...times) },
    dag_file_bytes: bytes,
    airflow_parse: parse ?? "skipped: no Airflow virtualenv (set SMELTER_AIRFLOW_VENV)",
    measured_at: new Date().toISOString(),
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile("bench/results/compile.json", `${JSON.stringify(result, null, 2)}\n`);
  const rows: [string, string][] = [
    ["tables / silver models", `${tables} / ${models}`],
    ["generate median (s)", result.generate.median_s.toFixed(3)],
    ["generate min..max (s)", `${result.generate.min_s.toFixed(3)}..${result.generate.max_s.toFixed(3)}`],
    ["DAG file size (KiB)", (bytes / 1024).toFixed(0)],
  ];
  if (parse) {
    rows.push(["DagBag parse (s)", Number(parse.dagbag_s).toFixed(3)]);
    rows.push(["airflow import (s)", Number(parse.import_airflow_s).toFixed(3)]);
    rows.push(["DAGs / tasks / import errors", `${parse.dags} / ${parse.tasks} / ${parse.import_errors}`]);
  }
  for (const [k, v] of rows) console.log(`${k.padEnd(30)} ${v}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
