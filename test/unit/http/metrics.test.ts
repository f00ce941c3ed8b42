import assert from "node:assert/strict";
import { test } from "node:test";
import { FreshnessReader } from "../../../src/http/freshness.ts";
import { ServiceMetrics } from "../../../src/http/metrics.ts";
import type { Execution } from "../../../src/state/executions.ts";
import type { PipelineCatalog } from "../../../src/state/pipelines.ts";
import { parseExposition, samplesOf } from "../../integration/http/prometheus.ts";

const execution = (step: "extract" | "bronze" | "silver") => ({ step }) as Execution;

test("two services in one process keep metrics of their own", async () => {
  const a = new ServiceMetrics({ defaults: false });
  const b = new ServiceMetrics({ defaults: false });
  a.observe(execution("bronze"), "success", { rowsRead: 7, inserted: 7 }, 1500);
  const fromA = parseExposition(await a.render());
  const fromB = parseExposition(await b.render());
  assert.equal(
    samplesOf(fromA, "smelter_executions_total", { step: "bronze", outcome: "success" })[0]?.value,
    1,
  );
  assert.equal(samplesOf(fromA, "smelter_rows_total", { step: "bronze", kind: "inserted" })[0]?.value, 7);
  assert.equal(samplesOf(fromA, "smelter_execution_duration_seconds_sum", { step: "bronze" })[0]?.value, 1.5);
  assert.deepEqual(samplesOf(fromB, "smelter_executions_total"), []);
});

test("a request is timed by its route pattern and counted by status class", async () => {
  const m = new ServiceMetrics({ defaults: false });
  m.request("GET", "/api/v1/executions/:id", 404, 0.02);
  const families = parseExposition(await m.render());
  const labels = { method: "GET", route: "/api/v1/executions/:id" };
  assert.equal(samplesOf(families, "smelter_http_requests_total", { ...labels, status: "4xx" })[0]?.value, 1);
  const le = samplesOf(families, "smelter_http_request_duration_seconds_bucket", {
    ...labels,
    status: "404",
  });
  assert.equal(le.find((s) => s.labels.le === "0.025")?.value, 1);
  assert.equal(le.find((s) => s.labels.le === "0.01")?.value, 0);
});

test("freshness and registry gauges are read at scrape time, and a failed freshness read fails no scrape", async () => {
  const m = new ServiceMetrics({ defaults: false });
  const sla = { warnAfterSeconds: 120, errorAfterSeconds: 240 };
  let queued = 2;
  m.readFrom({
    executionsByStatus: async () => ({ queued, running: 1, success: 0, failed: 0, cancelled: 0 }),
    active: () => 1,
    freshness: async () => ({
      at: new Date(),
      tables: [
        {
          pipeline: "shop",
          table: "orders",
          applied: true,
          version: 4,
          ageSeconds: 90,
          measuredFrom: "source",
          sla,
          state: "ok",
        },
        // An SLA, but nothing applied yet: no age, version or state series.
        {
          pipeline: "shop",
          table: "items",
          applied: false,
          version: 0,
          ageSeconds: null,
          measuredFrom: "commit",
          sla,
          state: "unknown",
        },
      ],
      models: [
        {
          pipeline: "shop",
          model: "orders_flat",
          table: "orders",
          applied: true,
          lagVersions: 2,
          ageSeconds: 300,
          sla,
          state: "error",
        },
      ],
      reachable: new Map([["shop", true]]),
    }),
  });
  let families = parseExposition(await m.render());
  assert.equal(samplesOf(families, "smelter_executions", { status: "queued" })[0]?.value, 2);
  assert.equal(samplesOf(families, "smelter_executions_active")[0]?.value, 1);
  const table = { pipeline: "shop", table: "orders" };
  assert.equal(samplesOf(families, "smelter_table_freshness_seconds", table)[0]?.value, 90);
  assert.equal(samplesOf(families, "smelter_table_version", table)[0]?.value, 4);
  const model = { pipeline: "shop", model: "orders_flat" };
  assert.equal(samplesOf(families, "smelter_model_freshness_seconds", model)[0]?.value, 300);
  assert.equal(samplesOf(families, "smelter_silver_lag_versions", model)[0]?.value, 2);
  assert.equal(samplesOf(families, "smelter_warehouse_up", { pipeline: "shop" })[0]?.value, 1);
  assert.equal(samplesOf(families, "smelter_table_freshness_state", table)[0]?.value, 0);
  assert.equal(samplesOf(families, "smelter_model_freshness_state", model)[0]?.value, 2);
  for (const name of [
    "smelter_table_freshness_seconds",
    "smelter_table_version",
    "smelter_table_freshness_state",
  ]) {
    assert.deepEqual(samplesOf(families, name, { table: "items" }), [], name);
  }

  queued = 0;
  m.readFrom({ freshness: () => Promise.reject(new Error("state database down")) });
  families = parseExposition(await m.render());
  assert.equal(samplesOf(families, "smelter_executions", { status: "queued" })[0]?.value, 0);
  assert.deepEqual(samplesOf(families, "smelter_table_freshness_seconds"), []);
});

test("the freshness reader asks the warehouses once per time to live, and only the first read waits", async () => {
  let lists = 0;
  let answer: (() => void) | undefined;
  const catalog = {
    list: async () => {
      lists++;
      // The second reading hangs until released: a slow warehouse.
      if (lists === 2) {
        await new Promise<void>((resolve) => {
          answer = resolve;
        });
      }
      return [];
    },
  } as unknown as PipelineCatalog;
  const cached = new FreshnessReader({ catalog, env: {}, ttlMs: 60_000 });
  await Promise.all([cached.read(), cached.read()]);
  await cached.read();
  assert.equal(lists, 1);

  lists = 0;
  const expired = new FreshnessReader({ catalog, env: {}, ttlMs: 0 });
  await expired.read();
  assert.equal(lists, 1);
  // Past its time to live the last reading answers at once while the next one runs, once however many reads.
  await expired.read();
  await expired.read();
  assert.equal(lists, 2);
  answer?.();
});

test("the exposition reader refuses what the format forbids", () => {
  const family = "# TYPE x_seconds histogram\n";
  assert.throws(() => parseExposition("x 1\n"), /no declared family/);
  assert.throws(() => parseExposition('# TYPE x counter\nx{a="1"} 1\nx{a="1"} 2\n'), /repeated/);
  assert.throws(() => parseExposition('# TYPE x counter\nx{a="\\t"} 1\n'), /bad escape/);
  assert.throws(
    () =>
      parseExposition(
        `${family}x_seconds_bucket{le="1"} 2\nx_seconds_bucket{le="+Inf"} 1\nx_seconds_sum 1\nx_seconds_count 1\n`,
      ),
    /not cumulative/,
  );
  assert.throws(
    () => parseExposition(`${family}x_seconds_bucket{le="+Inf"} 2\nx_seconds_sum 1\nx_seconds_count 1\n`),
    /differs from count/,
  );
  const ok = parseExposition('# HELP x A \\\\ help\n# TYPE x gauge\nx{a="q\\"\\n"} -Inf\n');
  assert.equal(ok.get("x")?.help, "A \\ help");
  assert.deepEqual(samplesOf(ok, "x")[0], {
    name: "x",
    labels: { a: 'q"\n' },
    value: Number.NEGATIVE_INFINITY,
  });
});
