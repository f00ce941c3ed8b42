import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseTokens, type WebhookTarget } from "../../../src/config.ts";
import type { Executor, StepMetrics } from "../../../src/contracts/step.ts";
import { ConfigError } from "../../../src/errors.ts";
import type { FreshnessSnapshot, TableFreshness } from "../../../src/http/freshness.ts";
import { serviceLog, serviceSecrets } from "../../../src/log.ts";
import type { NotificationEvent } from "../../../src/notify/events.ts";
import { Notifier } from "../../../src/notify/notifier.ts";
import { freshnessJob } from "../../../src/scheduler/freshness.ts";
import { freshnessState } from "../../../src/spec/freshness.ts";
import { IncidentStore } from "../../../src/state/incidents.ts";
import { call, freshDatabase, startService, type TestService } from "../http/harness.ts";
import { Receiver, runTry } from "./receiver.ts";

// Notifications end to end: executions run by the service's worker against a real state database, the outbox
// delivered by the notifier to a webhook receiver on 127.0.0.1 (the real thing for a webhook).

/** Secrets a careless body could carry: the webhooks' tokens, an API token, a warehouse password. */
const HOOK_TOKEN = "hook-token-5f3a9c1e";
const API_TOKEN = "ops-token-77aa0b3c";
const WH_PASSWORD = "wh-password-0c8d2e61";

type Slack = { text: string; blocks: unknown[] };

const SLACK = `/services/T1/B2/${HOOK_TOKEN}`;
const JSON_HOOK = `/hooks/json?token=${HOOK_TOKEN}`;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let notifier: Notifier;
let incidents: IncidentStore;
const receiver = new Receiver();
/** Whether the steered executor fails, with a message quoting a connection URL with its password. */
let failing = true;
/** Metrics the steered executor adds to a success (the schema changes bronze reports). */
let reported: StepMetrics = {};

before(async () => {
  await receiver.start();
  db = await freshDatabase();
  const env = { WH_PASSWORD };
  const run: Executor = async () => {
    if (failing) {
      throw new ConfigError(
        `cannot reach postgres://loader:${WH_PASSWORD}@warehouse:5432/dw (password ${WH_PASSWORD})`,
      );
    }
    return { rowsRead: 1, ...reported };
  };
  service = await startService(db.url, {
    registry: { extract: run, bronze: run, silver: run },
    tokens: `ops:ops-token,ci:${API_TOKEN}`,
    env,
    finished: (execution) => notifier.executionFinished(execution),
  });
  incidents = new IncidentStore(service.pool);
  const webhooks: WebhookTarget[] = [
    { name: "chat", format: "slack", url: receiver.url + SLACK },
    { name: "events", format: "json", url: receiver.url + JSON_HOOK },
  ];
  notifier = new Notifier({
    incidents,
    webhooks,
    links: { publicUrl: "http://smelter.test", airflowUrl: "http://airflow.test" },
    log: serviceLog({ format: "json", level: "silent" }),
    secrets: serviceSecrets(
      { tokens: parseTokens({ SMELTER_API_TOKENS: `ci:${API_TOKEN}` }), airflow: null, webhooks },
      env,
    ),
    retry: { attempts: 3, baseSeconds: 0.2 },
  });
  await call(service.url, "PUT", "/api/v1/pipelines/shop", "name: shop\ntables: [orders, items]\n", {
    "content-type": "application/yaml",
  });
});

after(async () => {
  await service?.close();
  await db?.drop();
  await receiver.close();
});

/** Runs a bronze execution of shop's `table` as Airflow's try `tryNumber` until it has ended. */
const runShopTry = (table: string, tryNumber: number) => runTry(service, "shop", table, tryNumber);

test("a step failing on every try alerts once, retries a delivery answered 500, and resolves once", async () => {
  receiver.script.set(JSON_HOOK, [500]);
  failing = true;
  const first = await runShopTry("orders", 1);
  assert.equal(first.status, "failed");
  await notifier.deliver();
  assert.equal(receiver.accepted<Slack>(SLACK).length, 1);
  assert.equal(receiver.accepted<NotificationEvent>(JSON_HOOK).length, 0, "the JSON webhook answered 500");

  // The second try fails too: the incident is open, nothing new is told.
  await runShopTry("orders", 2);
  await sleep(300);
  await notifier.deliver();
  assert.equal(receiver.accepted<Slack>(SLACK).length, 1);
  const alerts = receiver.accepted<NotificationEvent>(JSON_HOOK);
  assert.equal(alerts.length, 1, "the alert delivered on its second attempt, and only one");
  assert.deepEqual(
    receiver.received.filter((r) => r.path === JSON_HOOK).map((r) => r.status),
    [500, 200],
  );
  const alert = alerts[0]!;
  assert.equal(alert.type, "execution.failed");
  assert.equal(alert.status, "firing");
  assert.equal(alert.pipeline, "shop");
  assert.equal(alert.table, "orders");
  assert.equal(alert.step, "bronze");
  assert.equal(alert.execution?.attempt, 1);
  assert.deepEqual(
    { type: alert.error?.type, retryable: alert.error?.retryable },
    { type: "ConfigError", retryable: false },
  );
  assert.equal(alert.links.execution, `http://smelter.test/ui/executions/${alert.execution?.id}`);
  assert.match(
    alert.links.airflow ?? "",
    /^http:\/\/airflow\.test\/dags\/smelter__shop\/runs\/.*\/tasks\/bronze__orders$/,
  );
  const slack = receiver.accepted<Slack>(SLACK)[0]!;
  assert.match(slack.text, /^Execution failed: bronze of table orders in pipeline shop failed \(try 1\)/);
  assert.ok(Array.isArray(slack.blocks) && slack.blocks.length >= 3);

  // The third try succeeds: one resolve per webhook; a further success says nothing.
  failing = false;
  await runShopTry("orders", 3);
  await runShopTry("orders", 4);
  await notifier.deliver();
  const resolves = receiver.accepted<NotificationEvent>(JSON_HOOK).slice(1);
  assert.deepEqual(
    resolves.map((r) => [r.type, r.status, r.execution?.attempt, r.incident.id, r.incident.events]),
    [["execution.recovered", "resolved", 3, alert.incident.id, 3]],
  );
  assert.equal(receiver.accepted<Slack>(SLACK).length, 2);
  assert.match(receiver.accepted<Slack>(SLACK)[1]?.text ?? "", /^Execution recovered: /);

  const { rows } = await service.pool.query(
    "SELECT kind, subject, resolved_at IS NOT NULL AS resolved, events FROM smelter.incidents",
  );
  assert.deepEqual(rows, [
    { kind: "execution", subject: '["shop","bronze","orders"]', resolved: true, events: 3 },
  ]);
  const { rows: outbox } = await service.pool.query(
    "SELECT target, event, status, attempts FROM smelter.notifications ORDER BY id",
  );
  assert.deepEqual(outbox, [
    { target: "chat", event: "execution.failed", status: "delivered", attempts: 1 },
    { target: "events", event: "execution.failed", status: "delivered", attempts: 2 },
    { target: "chat", event: "execution.recovered", status: "delivered", attempts: 1 },
    { target: "events", event: "execution.recovered", status: "delivered", attempts: 1 },
  ]);
});

test("a webhook that keeps failing is given up after its attempts and recorded undelivered", async () => {
  receiver.script.set(SLACK, [503, 503, 503]);
  receiver.script.set(JSON_HOOK, [404]);
  failing = true;
  await runShopTry("items", 1);
  for (let i = 0; i < 4; i++) {
    await notifier.deliver();
    await sleep(900);
  }
  const { rows } = await service.pool.query(
    `SELECT target, status, attempts, last_error FROM smelter.notifications
     WHERE event = 'execution.failed' AND body::text LIKE '%items%' ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { target: "chat", status: "undelivered", attempts: 3, last_error: "HTTP 503" },
    { target: "events", status: "undelivered", attempts: 1, last_error: "HTTP 404" },
  ]);
  failing = false;
  await runShopTry("items", 2);
});

test("columns bronze added or rescued are told once per set of columns", async () => {
  failing = false;
  const before = receiver.accepted<NotificationEvent>(JSON_HOOK).length;
  reported = { columnsRescued: ["lang"] };
  await runShopTry("orders", 5);
  await runShopTry("orders", 6);
  reported = { columnsAdded: ["coupon"] };
  await runShopTry("orders", 7);
  reported = {};
  await runShopTry("orders", 8);
  await notifier.deliver();
  const told = receiver
    .accepted<NotificationEvent>(JSON_HOOK)
    .slice(before)
    .filter((t) => t.type === "schema.changed");
  assert.deepEqual(
    told.map((t) => [t.status, t.table, t.columns, t.execution?.attempt]),
    [
      ["notice", "orders", { added: [], rescued: ["lang"] }, 5],
      ["notice", "orders", { added: ["coupon"], rescued: [] }, 7],
    ],
  );
});

test("late tables are told once across a restarted job, escalate once, and recover once", async () => {
  const sla = { warnAfterSeconds: 3600, errorAfterSeconds: 7200 };
  const table = (ageSeconds: number): TableFreshness => ({
    pipeline: "shop",
    table: "orders",
    applied: true,
    version: 3,
    ageSeconds,
    measuredFrom: "source",
    sla,
    state: freshnessState(ageSeconds, sla),
  });
  const snapshot = (ages: number[]): FreshnessSnapshot => ({
    at: new Date(),
    tables: ages.map(table),
    models: [],
    reachable: new Map([["shop", true]]),
  });
  const log = serviceLog({ format: "json", level: "silent" });
  const before = receiver.accepted<NotificationEvent>(JSON_HOOK).length;
  const readings = [[600], [4000], [4100], [9000], [5000], [60], [60]];
  // Each reading by a new job, as after a restart or on another replica: the incidents are the memory.
  for (const ages of readings) {
    const job = freshnessJob("* * * * *", { read: async () => snapshot(ages), log, incidents: notifier });
    await job.run();
  }
  await notifier.deliver();
  const told = receiver
    .accepted<NotificationEvent>(JSON_HOOK)
    .slice(before)
    .filter((t) => t.type.startsWith("freshness."));
  assert.deepEqual(
    told.map((t) => [t.type, t.status, t.table, t.freshness?.age_seconds]),
    [
      ["freshness.warn", "firing", "orders", 4000],
      ["freshness.error", "firing", "orders", 9000],
      ["freshness.recovered", "resolved", "orders", 60],
    ],
  );
  assert.deepEqual(await notifier.freshnessStates(), new Map());
});

test("retention deletes old sent messages and resolved incidents, never open ones or pending messages", async () => {
  await service.pool.query(
    "UPDATE smelter.notifications SET created_at = now() - interval '40 days', finished_at = now() - interval '40 days'",
  );
  await service.pool.query(
    `UPDATE smelter.incidents SET opened_at = now() - interval '40 days',
       resolved_at = CASE WHEN resolved_at IS NULL THEN NULL ELSE now() - interval '40 days' END`,
  );
  await service.pool.query(
    "INSERT INTO smelter.notifications (target, event, body) VALUES ('chat', 'execution.failed', '{}')",
  );
  const counts = async () =>
    (
      await service.pool.query<{ open: number; resolved: number; pending: number; sent: number }>(
        `SELECT (SELECT count(*)::int FROM smelter.incidents WHERE resolved_at IS NULL) AS open,
                (SELECT count(*)::int FROM smelter.incidents WHERE resolved_at IS NOT NULL) AS resolved,
                (SELECT count(*)::int FROM smelter.notifications WHERE status = 'pending') AS pending,
                (SELECT count(*)::int FROM smelter.notifications WHERE status <> 'pending') AS sent`,
      )
    ).rows[0]!;
  const before = await counts();
  assert.ok(before.open > 0 && before.resolved > 0 && before.sent > 0);
  const deleted = await incidents.deleteFinishedBefore(30);
  assert.deepEqual(deleted, { notifications: before.sent, incidents: before.resolved });
  assert.deepEqual(await counts(), { open: before.open, resolved: 0, pending: before.pending, sent: 0 });
  await service.pool.query("DELETE FROM smelter.notifications WHERE status = 'pending'");
});

test("no body any webhook received holds a secret", () => {
  assert.ok(receiver.received.length >= 10);
  for (const r of receiver.received) {
    const text = JSON.stringify(r.body);
    for (const secret of [HOOK_TOKEN, API_TOKEN, WH_PASSWORD]) {
      assert.ok(!text.includes(secret), `${r.path} received ${secret}`);
    }
  }
  const failure = receiver.received.find((r) => r.path === JSON_HOOK && r.body.type === "execution.failed");
  assert.match(JSON.stringify(failure?.body), /postgres:\/\/loader:\[redacted\]@warehouse:5432\/dw/);
});
