import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { missingStack } from "../executors/extract-helpers.ts";
import { flatModel } from "../executors/pipeline-helpers.ts";
import { actionPipeline, ROWS } from "./action-pipeline.ts";
import { airflowCtx, call, eventually } from "./harness.ts";
import { parseExposition, samplesOf } from "./prometheus.ts";

/*
 * `/metrics` of the real app after a real pipeline ran (MariaDB → landing → bronze → silver on PostgreSQL),
 * read with a strict parser of the exposition format: every family well formed, the executions, rows, latency
 * and freshness there with the labels they promise.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");

describe("/metrics after a pipeline ran", { skip: skip ?? false }, () => {
  const p = actionPipeline("metrics", { specExtra: "freshness: { warn_after: 1h, error_after: 2h }\n" });
  const url = () => p.svc().url;

  async function finished(id: string) {
    const done = await eventually(async () => {
      const r = await call(url(), "GET", `/api/v1/executions/${id}?wait=5`);
      return ["success", "failed", "cancelled"].includes(r.body.status) && r.body;
    }, 120_000);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    return done;
  }
  async function step(step: "extract" | "bronze", key: string) {
    const body = {
      pipeline: p.name,
      step,
      table: p.table,
      idempotency_key: key,
      airflow: airflowCtx(`${step}__${p.table}`),
    };
    const r = await call(url(), "POST", "/api/v1/executions", body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return finished(r.body.id);
  }

  it("exposes executions, rows, durations, latency, freshness and silver lag with their labels", async () => {
    // Through silver once, then one more change into bronze only: the model is one version behind.
    const resync = await call(url(), "POST", `/api/v1/pipelines/${p.name}/tables/${p.table}/resync`);
    assert.equal(resync.status, 202, JSON.stringify(resync.body));
    await finished(resync.body.execution.id);
    // A change made 90 minutes ago at the source: freshness is the age of the newest source change applied.
    await p
      .db()
      .query(
        `UPDATE ${p.table} SET payload = 'changed', updated_at = UTC_TIMESTAMP(6) - INTERVAL 90 MINUTE WHERE id = 3`,
      );
    await step("extract", `metrics-extract-${p.name}`);
    await step("bronze", `metrics-bronze-${p.name}`);

    const r = await fetch(`${url()}/metrics`, { headers: { authorization: "Bearer read-token" } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await r.text());
    const value = (name: string, labels: Record<string, string>) => {
      const found = samplesOf(families, name, labels);
      assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} series`);
      return found[0]!.value;
    };

    assert.equal(families.get("smelter_executions_total")?.type, "counter");
    assert.equal(value("smelter_executions_total", { step: "extract", outcome: "success" }), 2);
    assert.equal(value("smelter_executions_total", { step: "bronze", outcome: "success" }), 1);
    // The incremental extract reads from its watermark inclusive: the changed row and the row at the watermark.
    assert.equal(value("smelter_rows_total", { step: "extract", kind: "landed" }), ROWS + 2);
    assert.equal(value("smelter_rows_total", { step: "bronze", kind: "updated" }), 1);
    assert.ok(value("smelter_bytes_total", { step: "extract" }) > 0);
    assert.equal(value("smelter_chunks_total", { step: "extract" }), 6);

    assert.equal(families.get("smelter_execution_duration_seconds")?.type, "histogram");
    assert.equal(value("smelter_execution_duration_seconds_count", { step: "extract" }), 2);
    assert.equal(value("smelter_execution_duration_seconds_bucket", { step: "bronze", le: "+Inf" }), 1);

    assert.equal(families.get("smelter_executions")?.type, "gauge");
    assert.equal(value("smelter_executions", { status: "success" }), 3);
    assert.equal(value("smelter_executions", { status: "queued" }), 0);
    assert.equal(value("smelter_executions_active", {}), 0);

    // The status read of an execution, counted under its route pattern, never under its id.
    assert.equal(families.get("smelter_http_request_duration_seconds")?.type, "histogram");
    const route = "/api/v1/executions/:id";
    assert.ok(
      value("smelter_http_request_duration_seconds_count", { method: "GET", route, status: "200" }) >= 3,
    );
    assert.ok(value("smelter_http_requests_total", { method: "GET", route, status: "2xx" }) >= 3);
    assert.deepEqual(
      samplesOf(families, "smelter_http_request_duration_seconds_count").filter((s) =>
        s.labels.route?.includes("ex_"),
      ),
      [],
    );

    const table = { pipeline: p.name, table: p.table };
    const freshness = value("smelter_table_freshness_seconds", table);
    assert.ok(freshness >= 5400 && freshness < 5400 + 300, `freshness ${freshness}`);
    assert.equal(value("smelter_table_version", table), 2);
    const model = { pipeline: p.name, model: flatModel(p.table) };
    assert.equal(value("smelter_silver_lag_versions", { ...model, table: p.table }), 1);
    assert.ok(value("smelter_model_freshness_seconds", model) >= 0);
    assert.equal(value("smelter_warehouse_up", { pipeline: p.name }), 1);
    // Its newest change is past the pipeline's one-hour warning (not its two-hour error); the model, a version
    // behind, is measured from its own merge a moment ago, a lower bound: on time.
    assert.equal(value("smelter_table_freshness_state", table), 1);
    assert.equal(value("smelter_model_freshness_state", model), 0);

    // prom-client's process and runtime metrics.
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
    ]) {
      assert.ok(families.has(name), name);
    }
  });
});
