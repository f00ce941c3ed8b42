import assert from "node:assert/strict";
import { test } from "node:test";
import {
  executionEvent,
  freshnessEvent,
  schemaChanges,
  schemaEvent,
  schemaSubject,
} from "../../../src/notify/events.ts";
import { retryableStatus, retryDelaySeconds } from "../../../src/notify/notifier.ts";
import { slackBody, webhookBody } from "../../../src/notify/payload.ts";
import type { Execution } from "../../../src/state/executions.ts";
import type { Incident } from "../../../src/state/incidents.ts";

const failed: Execution = {
  id: "ex_1",
  pipeline: "shop",
  step: "bronze",
  table: "orders",
  source: null,
  status: "failed",
  idempotency_key: "k",
  airflow: {
    dag_id: "smelter__shop",
    run_id: "scheduled__2026-12-01T00:00:00+00:00",
    task_id: "bronze__orders",
    map_index: -1,
    try_number: 2,
    logical_date: null,
  },
  created_at: "2026-12-01T00:00:00.000Z",
  started_at: "2026-12-01T00:00:01.000Z",
  finished_at: "2026-12-01T00:00:05.000Z",
  metrics: null,
  error: {
    type: "DataError",
    message: "batch b1 brings new column(s) <note> & total; failing at postgres://u:pw-0123456789@wh/db",
    retryable: false,
  },
  mode: null,
  downstream: false,
  progress: null,
  rerun_of: null,
  chain: false,
  parent_id: null,
};

const incident: Incident = {
  id: "7",
  kind: "execution",
  subject: '["shop","bronze","orders"]',
  pipeline: "shop",
  level: "failed",
  severity: 2,
  events: 1,
  openedAt: "2026-12-01T00:00:05.000Z",
  resolvedAt: null,
};

const links = { publicUrl: "https://smelter.example", airflowUrl: "https://airflow.example" };

test("a failed execution's event names the step, table, try, error and links", () => {
  const event = executionEvent(failed, incident, links);
  assert.deepEqual(event, {
    type: "execution.failed",
    status: "firing",
    summary: "bronze of table orders in pipeline shop failed (try 2)",
    pipeline: "shop",
    table: "orders",
    step: "bronze",
    incident: { id: "7", opened_at: "2026-12-01T00:00:05.000Z", resolved_at: null, events: 1 },
    execution: {
      id: "ex_1",
      status: "failed",
      attempt: 2,
      started_at: "2026-12-01T00:00:01.000Z",
      finished_at: "2026-12-01T00:00:05.000Z",
    },
    error: failed.error,
    links: {
      pipeline: "https://smelter.example/ui/pipelines/shop",
      execution: "https://smelter.example/ui/executions/ex_1",
      airflow:
        "https://airflow.example/dags/smelter__shop/runs/scheduled__2026-12-01T00%3A00%3A00%2B00%3A00/tasks/bronze__orders",
    },
    at: "2026-12-01T00:00:05.000Z",
  });
});

test("a success after failures is a recovery that counts them and carries no error", () => {
  const ok: Execution = { ...failed, id: "ex_2", status: "success", error: null };
  const event = executionEvent(ok, { ...incident, events: 3, resolvedAt: "2026-12-01T01:00:00.000Z" }, links);
  assert.equal(event.type, "execution.recovered");
  assert.equal(event.status, "resolved");
  assert.equal(
    event.summary,
    "bronze of table orders in pipeline shop succeeded (try 2) after 2 failed execution(s)",
  );
  assert.equal(event.error, undefined);
  assert.equal(event.incident.resolved_at, "2026-12-01T01:00:00.000Z");
});

test("an execution of a whole source without Airflow names the source and has no Airflow link", () => {
  const bySource: Execution = { ...failed, table: null, source: "shopdb", airflow: null };
  const event = executionEvent(bySource, incident, links);
  assert.equal(event.source, "shopdb");
  assert.equal(event.table, undefined);
  assert.equal(event.execution?.attempt, null);
  assert.equal(event.links.airflow, undefined);
  assert.equal(event.summary, "bronze of source shopdb in pipeline shop failed");
});

test("a freshness event carries the state, age and thresholds", () => {
  const sla = { warnAfterSeconds: 3600, errorAfterSeconds: 7200 };
  const entry = {
    pipeline: "shop",
    table: "orders",
    applied: true,
    version: 4,
    ageSeconds: 9000.4,
    measuredFrom: "source" as const,
    sla,
    state: "error" as const,
  };
  const event = freshnessEvent(
    { kind: "table", pipeline: "shop", name: "orders", to: "error", entry },
    { ...incident, kind: "freshness", level: "error" },
    links,
    new Date("2026-12-01T02:00:00Z"),
  );
  assert.equal(event.type, "freshness.error");
  assert.equal(event.table, "orders");
  assert.equal(
    event.summary,
    "freshness error: table orders of pipeline shop, newest change 2.5 h old (error_after 2.0 h)",
  );
  assert.deepEqual(event.freshness, {
    state: "error",
    age_seconds: 9000,
    warn_after_seconds: 3600,
    error_after_seconds: 7200,
  });
  assert.deepEqual(event.links, { pipeline: "https://smelter.example/ui/pipelines/shop" });
});

test("the Slack body has a fallback text and blocks, with mrkdwn's control characters escaped", () => {
  const body = slackBody(executionEvent(failed, incident, links));
  assert.equal(
    body.text,
    "Execution failed: bronze of table orders in pipeline shop failed (try 2): DataError: batch b1 brings new column(s) <note> & total; failing at postgres://u:pw-0123456789@wh/db",
  );
  const text = JSON.stringify(body.blocks);
  assert.match(text, /\*:red_circle: Execution failed\*/);
  assert.match(text, /&lt;note&gt; &amp; total/);
  assert.match(text, /<https:\/\/smelter.example\/ui\/executions\/ex_1\|execution>/);
  assert.match(text, /\*Try\*\\n2/);
  assert.match(text, /\*Error\*\\nDataError \(not retryable\)/);
});

test("a body is scrubbed of every known secret and of URL passwords, in both formats", () => {
  const event = executionEvent(failed, incident, links);
  for (const format of ["json", "slack"] as const) {
    const body = JSON.stringify(webhookBody(format, event, ["pw-0123456789"]));
    assert.doesNotMatch(body, /pw-0123456789/);
    assert.match(body, /postgres:\/\/u:\[redacted\]@wh\/db/);
  }
});

test("delivery is retried on timeouts, rate limits and server errors, about a minute over five attempts", () => {
  const policy = { attempts: 5, baseSeconds: 4 };
  const waits = [1, 2, 3, 4].map((a) => retryDelaySeconds(a, policy));
  assert.deepEqual(waits, [4, 8, 16, 32]);
  assert.equal(
    waits.reduce((a, b) => a + b, 0),
    60,
  );
  assert.deepEqual([400, 403, 404, 408, 429, 500, 503].map(retryableStatus), [
    false,
    false,
    false,
    true,
    true,
    true,
    true,
  ]);
});

test("schema changes are read from a bronze step, each table of a source task, and a downstream bronze step", () => {
  const ok = { ...failed, status: "success" as const, error: null };
  assert.deepEqual(schemaChanges({ ...ok, metrics: { columns_added: ["b", "a"], inserted: 1 } }), [
    { table: "orders", added: ["a", "b"], rescued: [] },
  ]);
  assert.deepEqual(
    schemaChanges({
      ...ok,
      table: null,
      source: "shopdb",
      metrics: { tables: { orders: { columns_rescued: ["x"] }, items: { inserted: 2 } } },
    }),
    [{ table: "orders", added: [], rescued: ["x"] }],
  );
  assert.deepEqual(
    schemaChanges({ ...ok, step: "extract", metrics: { steps: { bronze: { columnsAdded: ["c"] } } } }),
    [{ table: "orders", added: ["c"], rescued: [] }],
  );
  assert.deepEqual(schemaChanges({ ...failed, metrics: { columns_added: ["a"] } }), []);
  assert.deepEqual(schemaChanges({ ...ok, metrics: { inserted: 3 } }), []);
});

test("a schema change is a notice naming the columns, told once per set of columns", () => {
  const ok = { ...failed, status: "success" as const, error: null };
  const change = { table: "orders", added: ["coupon"], rescued: ["lang"] };
  const event = schemaEvent(ok, change, { ...incident, kind: "schema", level: "changed" }, links);
  assert.equal(event.type, "schema.changed");
  assert.equal(event.status, "notice");
  assert.equal(
    event.summary,
    "bronze table orders of pipeline shop added column(s) coupon and kept the values of new column(s) lang in _rescued_data",
  );
  assert.deepEqual(event.columns, { added: ["coupon"], rescued: ["lang"] });
  const text = JSON.stringify(slackBody(event).blocks);
  assert.match(text, /\*Columns added\*\\ncoupon/);
  assert.match(text, /\*Values rescued\*\\nlang/);
  assert.equal(schemaSubject("shop", change), schemaSubject("shop", { ...change }));
  assert.notEqual(
    schemaSubject("shop", change),
    schemaSubject("shop", { ...change, rescued: ["lang", "tz"] }),
  );
});
