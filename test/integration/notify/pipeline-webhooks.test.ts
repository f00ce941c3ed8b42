import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../../../src/config.ts";
import type { Executor, StepMetrics } from "../../../src/contracts/step.ts";
import { ConfigError } from "../../../src/errors.ts";
import type { FreshnessSnapshot } from "../../../src/http/freshness.ts";
import { serviceLog, serviceLogOf, serviceSecrets } from "../../../src/log.ts";
import type { NotificationEvent } from "../../../src/notify/events.ts";
import { Notifier } from "../../../src/notify/notifier.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { freshnessJob } from "../../../src/scheduler/freshness.ts";
import { freshnessState } from "../../../src/spec/freshness.ts";
import { resolveDatabase } from "../../../src/spec/resolve.ts";
import { IncidentStore } from "../../../src/state/incidents.ts";
import { call, freshDatabase, startService, type TestService } from "../http/harness.ts";
import { Receiver, runTry } from "./receiver.ts";

// Webhooks named in a pipeline's spec (`notifications`), end to end: specs registered over the API with the real
// loader, executions run by the service's worker against a real state database, the outbox delivered to a webhook
// receiver on 127.0.0.1, and the service log captured whole, as `smelter serve` builds it.

/** Tokens of the webhooks' URLs, a warehouse password in a secret file, and a token in a reference's bad value. */
const FILE_TOKEN = "file-hook-token-8b21c4";
const ENV_TOKEN = "env-hook-token-3f9a07";
const WH_PASSWORD = "wh-file-pw-51d0e2";
const BAD_TOKEN = "bad-ref-token-c6e19a";
const SECRETS = [FILE_TOKEN, ENV_TOKEN, WH_PASSWORD, BAD_TOKEN];

const TEAM = `/shop/team/${FILE_TOKEN}`;
const ORDERS = `/shop/orders?key=${ENV_TOKEN}`;
const CRM = "/crm/all";
const OPS = "/ops";
const PAGER = "/shop/pager";

type Slack = { text: string };

const receiver = new Receiver();
const root = realpathSync(mkdtempSync(join(tmpdir(), "smelter-pipeline-hooks-")));
const secretsDir = join(root, "secrets");
const output: string[] = [];
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let notifier: Notifier;
/** Tables whose executions fail, quoting the warehouse URL with the password read from its secret file. */
const failing = new Set<string>();
/** Metrics the steered executor adds to a success (the schema changes bronze reports). */
let reported: StepMetrics = {};

const spec = (name: string, tables: string[], notifications: string) => `version: 1
name: ${name}
connections:
  src: { kind: mariadb, host: 127.0.0.1, database: ${name}, user: reader, password: { env: SRC_PW } }
  wh: { kind: postgres, host: 127.0.0.1, database: wh, user: loader, password: { file: ${secretsDir}/wh } }
  land: { kind: local, path: ${root}/landing }
warehouse: wh
landing: land
tables:
${tables.map((t) => `  - { name: ${t}, primary_key: [id], cursor: [updated_at] }`).join("\n")}
notifications:
${notifications}`;

before(async () => {
  await receiver.start();
  mkdirSync(secretsDir);
  // Neutral names: the values must stay out of the log without a name hinting at a secret.
  writeFileSync(join(secretsDir, "team"), `${receiver.url}${TEAM}\n`);
  writeFileSync(join(secretsDir, "wh"), `${WH_PASSWORD}\n`);
  const env: NodeJS.ProcessEnv = {
    SHOP_ORDERS: receiver.url + ORDERS,
    CRM_ALL: receiver.url + CRM,
    OPS_URL: receiver.url + OPS,
    SHOP_PAGER: receiver.url + PAGER,
    SHOP_BAD: `hooks.example/services/T1/B2/${BAD_TOKEN}`,
  };
  const config = loadConfig({
    SMELTER_STATE_URL: process.env.SMELTER_STATE_URL,
    SMELTER_API_TOKENS: "ops:ops-token",
    // The service's own webhook chose failures only.
    SMELTER_NOTIFY_WEBHOOKS: "ops:json:execution.failed:env:OPS_URL",
    SMELTER_LOG_LEVEL: "debug",
    ...env,
  });
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output.push(chunk.toString("utf8"));
      done();
    },
  });
  const log = serviceLogOf(config, env, capture);
  db = await freshDatabase();
  const run: Executor = async (request, ctx) => {
    if (failing.has(request.table ?? "")) {
      // A driver's message that echoes what it was given: the password read from the secret file.
      const { password, user, host } = resolveDatabase(ctx.pipeline.spec, "wh", ctx.env);
      throw new ConfigError(
        `cannot reach postgres://${user}:${password}@${host}:5432/wh (password ${password})`,
      );
    }
    return { rowsRead: 1, ...reported };
  };
  service = await startService(db.url, {
    registry: { extract: run, bronze: run, silver: run },
    parse: parsePipeline,
    registeredSpecs: { secretsDir, allowedHosts: null },
    log,
    env,
    finished: (execution) => notifier.executionFinished(execution),
  });
  notifier = new Notifier({
    incidents: new IncidentStore(service.pool),
    webhooks: config.webhooks,
    pipelines: (name) => service.catalog.get(name),
    env,
    links: { publicUrl: "http://smelter.test" },
    log: log.child({ job: "notify" }),
    secrets: serviceSecrets(config, env),
    retry: { attempts: 2, baseSeconds: 0.2 },
  });
  const register = async (name: string, text: string) => {
    const put = await call(service.url, "PUT", `/api/v1/pipelines/${name}`, text, {
      "content-type": "application/yaml",
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
  };
  await register(
    "shop",
    spec(
      "shop",
      ["orders", "items"],
      `  team: { format: slack, url: { file: ${secretsDir}/team } }
  orders-oncall:
    format: json
    url: { env: SHOP_ORDERS }
    events: [execution.failed, execution.recovered]
    tables: [orders]
  late-pager:
    format: json
    url: { env: SHOP_PAGER }
    events: [freshness.error, freshness.recovered]
  bad-value: { format: json, url: { env: SHOP_BAD } }
  unset: { format: json, url: { env: SHOP_NOT_SET } }
`,
    ),
  );
  await register("crm", spec("crm", ["accounts"], "  all: { format: json, url: { env: CRM_ALL } }\n"));
});

after(async () => {
  await service?.close();
  await db?.drop();
  await receiver.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs a bronze execution of `pipeline`.`table` as Airflow's try `tryNumber`; its final status. */
const tryStatus = async (pipeline: string, table: string, tryNumber: number) =>
  (await runTry(service, pipeline, table, tryNumber)).status;

/** Delivers the outbox until nothing is due, waiting out the short retry delays of this test. */
async function deliverAll(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await notifier.deliver();
    await sleep(500);
  }
}

const told = (path: string) =>
  receiver.accepted<NotificationEvent>(path).map((e) => [e.type, e.pipeline, e.table]);

test("a pipeline's webhook is told its pipeline's failure and recovery once each, never another pipeline's", async () => {
  receiver.script.set(TEAM, [500]);
  failing.add("orders").add("accounts");
  assert.equal(await tryStatus("shop", "orders", 1), "failed");
  assert.equal(await tryStatus("shop", "orders", 2), "failed");
  assert.equal(await tryStatus("crm", "accounts", 1), "failed");
  failing.clear();
  assert.equal(await tryStatus("shop", "orders", 3), "success");
  assert.equal(await tryStatus("crm", "accounts", 2), "success");
  await deliverAll();

  const team = receiver.accepted<Slack>(TEAM).map((m) => m.text);
  assert.equal(team.length, 2, JSON.stringify(team));
  assert.match(team[0]!, /^Execution failed: bronze of table orders in pipeline shop failed \(try 1\)/);
  assert.match(team[1]!, /^Execution recovered: bronze of table orders in pipeline shop succeeded \(try 3\)/);
  assert.deepEqual(
    receiver.received.filter((r) => r.path === TEAM).map((r) => r.status),
    [500, 200, 200],
    "the alert answered 500 was delivered on its second attempt, before the resolve",
  );
  assert.deepEqual(told(CRM), [
    ["execution.failed", "crm", "accounts"],
    ["execution.recovered", "crm", "accounts"],
  ]);
  // The service's webhook hears every pipeline, but chose failures only.
  assert.deepEqual(told(OPS), [
    ["execution.failed", "shop", "orders"],
    ["execution.failed", "crm", "accounts"],
  ]);
  const { rows } = await service.pool.query(
    `SELECT target, event, status FROM smelter.notifications
     WHERE target IN ('shop/team', 'crm/all', 'ops') ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { target: "ops", event: "execution.failed", status: "delivered" },
    { target: "shop/team", event: "execution.failed", status: "delivered" },
    { target: "ops", event: "execution.failed", status: "delivered" },
    { target: "crm/all", event: "execution.failed", status: "delivered" },
    { target: "shop/team", event: "execution.recovered", status: "delivered" },
    { target: "crm/all", event: "execution.recovered", status: "delivered" },
  ]);
});

test("a webhook that chose events and tables is told only those", async () => {
  failing.add("items");
  assert.equal(await tryStatus("shop", "items", 1), "failed");
  failing.clear();
  reported = { columnsAdded: ["coupon"] };
  assert.equal(await tryStatus("shop", "orders", 4), "success");
  reported = {};
  assert.equal(await tryStatus("shop", "items", 2), "success");
  await deliverAll();
  assert.deepEqual(told(ORDERS), [
    ["execution.failed", "shop", "orders"],
    ["execution.recovered", "shop", "orders"],
  ]);
  // Messages of different incidents are sent side by side: compare what arrived, not in which order.
  const team = receiver
    .accepted<Slack>(TEAM)
    .map((m) => m.text.replace(/^(\w+ \w+): bronze (?:of )?table (\w+).*/s, "$1 $2"));
  assert.deepEqual(team.sort(), [
    "Execution failed items",
    "Execution failed orders",
    "Execution recovered items",
    "Execution recovered orders",
    "Schema changed orders",
  ]);
});

test("a resolve goes only to the webhooks told of its incident, however old the alert", async () => {
  const sla = { warnAfterSeconds: 3600, errorAfterSeconds: 7200 };
  const reading = (ageSeconds: number): FreshnessSnapshot => ({
    at: new Date(),
    tables: [
      {
        pipeline: "shop",
        table: "orders",
        applied: true,
        version: 3,
        ageSeconds,
        measuredFrom: "source",
        sla,
        state: freshnessState(ageSeconds, sla),
      },
    ],
    models: [],
    reachable: new Map([["shop", true]]),
  });
  const job = (ageSeconds: number) =>
    freshnessJob("* * * * *", {
      read: async () => reading(ageSeconds),
      log: serviceLog({ format: "json", level: "silent" }),
      incidents: notifier,
    }).run();
  // Late, then back: the pager chose errors only, so it hears neither the warning nor its recovery.
  await job(4000);
  await job(60);
  // Late, in error, kept open past the retention of its delivered messages, then back.
  await job(4000);
  await job(9000);
  await deliverAll();
  await service.pool.query(
    `UPDATE smelter.notifications SET created_at = now() - interval '40 days',
       finished_at = now() - interval '40 days' WHERE event LIKE 'freshness.%'`,
  );
  await new IncidentStore(service.pool).deleteFinishedBefore(30);
  await job(60);
  await deliverAll();
  const pager = receiver.accepted<NotificationEvent>(PAGER);
  assert.deepEqual(
    pager.map((e) => [e.type, e.table, e.freshness?.age_seconds]),
    [
      ["freshness.error", "orders", 9000],
      ["freshness.recovered", "orders", 60],
    ],
  );
  assert.equal(pager[0]?.incident.id, pager[1]?.incident.id);
  // The team chose every event: both incidents, each alert and each recovery (two incidents sent side by side).
  assert.deepEqual(
    receiver
      .accepted<Slack>(TEAM)
      .filter((m) => m.text.startsWith("Freshness"))
      .map((m) => m.text.split(":")[0])
      .sort(),
    ["Freshness error", "Freshness recovered", "Freshness recovered", "Freshness warn", "Freshness warn"],
  );
});

test("a reference that does not resolve leaves its messages undelivered, naming the spec path and never the URL", async () => {
  const { rows } = await service.pool.query(
    `SELECT DISTINCT target, status, attempts, last_error FROM smelter.notifications
     WHERE target IN ('shop/bad-value', 'shop/unset') ORDER BY target`,
  );
  assert.deepEqual(rows, [
    {
      target: "shop/bad-value",
      status: "undelivered",
      attempts: 1,
      last_error:
        'pipeline shop: notifications["bad-value"].url: the value of environment variable SHOP_BAD is not a valid URL (value not shown)',
    },
    {
      target: "shop/unset",
      status: "undelivered",
      attempts: 1,
      last_error: "pipeline shop: notifications.unset.url: environment variable SHOP_NOT_SET is not set",
    },
  ]);
  const lines = output
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const undelivered = lines.find((l) => l.target === "shop/bad-value" && l.level === 50);
  assert.ok(undelivered, "the undelivered message is logged at error level");
  assert.equal(
    undelivered.msg,
    'notification undelivered to shop/bad-value after 1 attempt(s): pipeline shop: notifications["bad-value"].url: the value of environment variable SHOP_BAD is not a valid URL (value not shown)',
  );
});

test("a message for a webhook no longer in its pipeline's spec is given up at once", async () => {
  const { rows } = await service.pool.query<{ id: string }>(
    `INSERT INTO smelter.notifications (target, event, body)
     VALUES ('shop/gone', 'execution.failed', '{}'), ('nowhere/team', 'execution.failed', '{}') RETURNING id`,
  );
  await notifier.deliver();
  const { rows: outcome } = await service.pool.query(
    "SELECT target, status, attempts, last_error FROM smelter.notifications WHERE id = ANY($1) ORDER BY id",
    [rows.map((r) => r.id)],
  );
  assert.deepEqual(outcome, [
    {
      target: "shop/gone",
      status: "undelivered",
      attempts: 1,
      last_error: "webhook shop/gone is no longer in pipeline shop's spec",
    },
    {
      target: "nowhere/team",
      status: "undelivered",
      attempts: 1,
      last_error: "webhook nowhere/team is no longer in pipeline nowhere's spec",
    },
  ]);
});

test("no log line and no body holds a webhook's URL or a secret read from a file", () => {
  const text = output.join("");
  assert.ok(text.length > 0);
  const urls = [TEAM, ORDERS, CRM, OPS, PAGER].map((path) => receiver.url + path);
  for (const secret of [...SECRETS, ...urls]) {
    assert.equal(text.includes(secret), false, `a log line holds ${secret}`);
    assert.equal(text.includes(encodeURIComponent(secret)), false);
  }
  // The driver's echo was logged, with the password from the secret file scrubbed out.
  assert.match(
    text,
    /cannot reach postgres:\/\/loader:\[redacted\]@127\.0\.0\.1:5432\/wh \(password \[redacted\]\)/,
  );
  assert.ok(receiver.received.length >= 10);
  for (const r of receiver.received) {
    const body = JSON.stringify(r.body);
    for (const secret of [...SECRETS, ...urls])
      assert.ok(!body.includes(secret), `${r.path} received ${secret}`);
  }
  const failure = receiver.received.find((r) => r.path === ORDERS && r.body.type === "execution.failed");
  assert.match(JSON.stringify(failure?.body), /\(password \[redacted\]\)/);
});
