import assert from "node:assert/strict";
import { test } from "node:test";
import type { WebhookTarget } from "../../../src/config.ts";
import type { NotificationEvent } from "../../../src/notify/events.ts";
import { parsePipelineTarget, recipients } from "../../../src/notify/targets.ts";
import { parsePipeline } from "../../../src/registry.ts";

// Which webhooks an event goes to: the service's by their choice of events, the pipeline's own by events and by
// the tables and models they chose.

const spec = parsePipeline(
  `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: SHOP_PW } }
  crm_db: { kind: postgres, host: 127.0.0.1, database: crm, user: u, password: { env: CRM_PW } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables:
  - { name: orders, source: shop_db, primary_key: [id], cursor: [updated_at] }
  - { name: items, source: shop_db, primary_key: [id], cursor: [updated_at] }
  - { name: customers, source: crm_db, primary_key: [id], cursor: [updated_at] }
silver:
  - { name: orders_flat, from: orders, include_all: true }
notifications:
  team: { format: slack, url: { env: TEAM_HOOK } }
  orders-oncall:
    format: json
    url: { env: ONCALL_HOOK }
    events: [execution.failed, execution.recovered, freshness.error, freshness.recovered]
    tables: [orders]
    models: [orders_flat]
`,
  "shop.yaml",
).spec;

const service: WebhookTarget[] = [
  { name: "everything", format: "json", url: "https://hooks.example/a" },
  { name: "failures", format: "slack", url: "https://hooks.example/b", events: ["execution.failed"] },
];

const event = (over: Partial<NotificationEvent>): NotificationEvent => ({
  type: "execution.failed",
  status: "firing",
  summary: "s",
  pipeline: "shop",
  incident: { id: "1", opened_at: "", resolved_at: null, events: 1 },
  links: { pipeline: "" },
  at: "",
  ...over,
});

const to = (e: Partial<NotificationEvent>) => recipients(event(e), service, spec).map((r) => r.target);

test("a failure of a chosen table goes to every webhook that chose failures", () => {
  assert.deepEqual(recipients(event({ table: "orders", step: "bronze" }), service, spec), [
    { target: "everything", format: "json" },
    { target: "failures", format: "slack" },
    { target: "shop/team", format: "slack" },
    { target: "shop/orders-oncall", format: "json" },
  ]);
});

test("a pipeline's webhook chooses its tables and models; the service's receive every table", () => {
  assert.deepEqual(to({ table: "items", step: "bronze" }), ["everything", "failures", "shop/team"]);
  assert.deepEqual(to({ table: "orders_flat", step: "silver" }), [
    "everything",
    "failures",
    "shop/team",
    "shop/orders-oncall",
  ]);
  assert.deepEqual(to({ type: "freshness.error", model: "orders_flat" }), [
    "everything",
    "shop/team",
    "shop/orders-oncall",
  ]);
});

test("a task covering a source concerns the webhooks that chose one of its tables", () => {
  assert.deepEqual(to({ source: "shop_db", step: "extract" }), [
    "everything",
    "failures",
    "shop/team",
    "shop/orders-oncall",
  ]);
  assert.deepEqual(to({ source: "crm_db", step: "extract" }), ["everything", "failures", "shop/team"]);
});

test("events a webhook did not choose are not sent to it", () => {
  assert.deepEqual(to({ type: "schema.changed", status: "notice", table: "orders", step: "bronze" }), [
    "everything",
    "shop/team",
  ]);
  assert.deepEqual(to({ type: "freshness.warn", table: "orders" }), ["everything", "shop/team"]);
});

test("another pipeline's events never reach this pipeline's webhooks", () => {
  assert.deepEqual(to({ pipeline: "crm", table: "orders", step: "bronze" }), ["everything", "failures"]);
  assert.deepEqual(
    recipients(event({ table: "orders" }), service, undefined).map((r) => r.target),
    ["everything", "failures"],
  );
});

test("outbox targets tell a pipeline's webhook from the service's", () => {
  assert.deepEqual(parsePipelineTarget("shop/orders-oncall"), { pipeline: "shop", name: "orders-oncall" });
  assert.equal(parsePipelineTarget("everything"), undefined);
});
