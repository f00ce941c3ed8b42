import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../../src/config.ts";
import { executors } from "../../../src/executors/index.ts";
import { serviceLogOf, serviceSecrets } from "../../../src/log.ts";
import { Notifier } from "../../../src/notify/notifier.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { REDACTED } from "../../../src/secrets.ts";
import { IncidentStore } from "../../../src/state/incidents.ts";
import { missingStack, uniqueName } from "../executors/extract-helpers.ts";
import { airflowCtx, call, eventually, freshDatabase, startService, type TestService } from "./harness.ts";

/*
 * The service log as `smelter serve` builds it, captured whole while the service registers a pipeline, answers
 * requests and runs executions that fail to connect with wrong passwords: JSON lines with the context of each
 * line, and no configured secret anywhere. And executions' own logs, read over HTTP, scrubbed of the secrets the
 * service knows as `smelter serve` passes them to its worker; so is the error recorded for each failed execution,
 * wherever it is shown: the API (as the Airflow operator polls it), the pages, the incident and its notification.
 */

const skip = missingStack("SMELTER_MARIADB_HOST", "SMELTER_PG_HOST");

describe("the service log", { skip: skip ?? false }, () => {
  const name = uniqueName("logs");
  // Wrong passwords: the executions fail at connecting, where drivers are most tempted to echo what they got.
  const sourcePassword = `src-pw-${randomBytes(6).toString("hex")}`;
  const warehousePassword = `wh-pw-${randomBytes(6).toString("hex")}`;
  const swappedSourcePassword = `src-swap-${randomBytes(6).toString("hex")}`;
  const swappedWarehousePassword = `wh-swap-${randomBytes(6).toString("hex")}`;
  const token = `tok-${randomBytes(12).toString("hex")}`;
  const airflowPassword = `af-pw-${randomBytes(6).toString("hex")}`;
  // Variable names that do not say "secret": the values must stay out of the log without the name's hint.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOGS_SOURCE: `mysql://smelter:${sourcePassword}@${process.env.SMELTER_MARIADB_HOST}:${process.env.SMELTER_MARIADB_PORT}/social`,
    LOGS_WH_PW: warehousePassword,
    // A spec that swaps user and password hands these to the servers as user names, which they quote back.
    LOGS_SOURCE_PASSWORD: swappedSourcePassword,
    LOGS_SOURCE_USER: process.env.SMELTER_MARIADB_USER,
    LOGS_WH_PASSWORD: swappedWarehousePassword,
    LOGS_WH_USER: process.env.SMELTER_PG_USER,
  };
  const secrets = [
    sourcePassword,
    warehousePassword,
    token,
    airflowPassword,
    swappedSourcePassword,
    swappedWarehousePassword,
  ];
  const output: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output.push(chunk.toString("utf8"));
      done();
    },
  });
  let state: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;
  let notifier: Notifier;
  const as = { authorization: `Bearer ${token}` };

  before(async () => {
    const config = loadConfig({
      SMELTER_STATE_URL: process.env.SMELTER_STATE_URL,
      SMELTER_API_TOKENS: `ops:${token}`,
      SMELTER_AIRFLOW_URL: "http://127.0.0.1:1",
      SMELTER_AIRFLOW_PASSWORD: airflowPassword,
      SMELTER_LOG_LEVEL: "debug",
    });
    const log = serviceLogOf(config, env, capture);
    state = await freshDatabase();
    svc = await startService(state.url, {
      registry: executors,
      parse: parsePipeline,
      tokens: `ops:${token}`,
      log,
      env,
      secrets: serviceSecrets(config, env),
      finished: (execution) => notifier.executionFinished(execution),
    });
    // No secrets of its own: a body can only be clean if the recorded error already is. Nothing is delivered (no
    // notify job runs); the bodies wait in the outbox.
    notifier = new Notifier({
      incidents: new IncidentStore(svc.pool),
      webhooks: [{ name: "events", format: "json", url: "http://127.0.0.1:1/hooks" }],
      links: { publicUrl: "http://smelter.test" },
      log: serviceLogOf(config, env, capture),
      secrets: [],
    });
  });
  after(async () => {
    await svc?.close();
    await state?.drop();
  });

  const lines = () =>
    output
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  async function failed(step: "extract" | "bronze", table: string, pipeline = name) {
    const r = await call(
      svc.url,
      "POST",
      "/api/v1/executions",
      {
        pipeline,
        step,
        table,
        idempotency_key: `${pipeline}-${step}`,
        airflow: airflowCtx(`${step}__${table}`),
      },
      as,
    );
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return eventually(async () => {
      const e = await call(svc.url, "GET", `/api/v1/executions/${r.body.id}?wait=5`, undefined, as);
      return ["success", "failed"].includes(e.body.status) && e.body;
    }, 60_000);
  }

  it("writes JSON lines with context and never a configured secret", async () => {
    const landing = await mkdtemp(join(tmpdir(), "smelter-land-"));
    const yaml = `version: 1
name: ${name}
connections:
  src: { kind: mariadb, url: { env: LOGS_SOURCE } }
  wh: { kind: postgres, host: ${process.env.SMELTER_PG_HOST}, port: ${process.env.SMELTER_PG_PORT}, database: warehouse, user: smelter, password: { env: LOGS_WH_PW } }
  land: { kind: local, path: ${landing} }
warehouse: wh
landing: land
tables:
  - { name: posts, primary_key: [id], cursor: [updated_at] }
`;
    const put = await call(svc.url, "PUT", `/api/v1/pipelines/${name}`, yaml, {
      ...as,
      "content-type": "application/yaml",
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));

    const extract = await failed("extract", "posts");
    assert.equal(extract.status, "failed");
    assert.match(extract.error.message, /access denied/i);
    const bronze = await failed("bronze", "posts");
    assert.equal(bronze.status, "failed");
    assert.match(bronze.error.message, /password authentication failed/);
    // Refused credentials fail the same way on a retry, on the warehouse as on the source.
    assert.deepEqual([extract.error.type, extract.error.retryable], ["ConfigError", false]);
    assert.deepEqual([bronze.error.type, bronze.error.retryable], ["ConfigError", false]);
    assert.match(bronze.error.message, /^warehouse wh \(.*fix its user or password/);

    // A request with its own id, one with a wrong token, and a scrape whose freshness read fails to connect.
    const listed = await call(svc.url, "GET", `/api/v1/executions?pipeline=${name}`, undefined, {
      ...as,
      "x-request-id": "req-logs-1",
    });
    assert.equal(listed.headers.get("x-request-id"), "req-logs-1");
    const refused = await call(svc.url, "GET", "/api/v1/executions", undefined, {
      authorization: `Bearer ${sourcePassword}`,
    });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    const metrics = await call(svc.url, "GET", `/metrics?token=${token}`, undefined, as);
    assert.equal(metrics.status, 200);
    await eventually(async () =>
      lines().some((l) => String(l.msg).startsWith(`freshness of pipeline ${name}`)),
    );

    const text = output.join("");
    for (const secret of secrets) {
      assert.equal(text.includes(secret), false, `a log line holds ${secret}`);
      assert.equal(text.includes(encodeURIComponent(secret)), false);
    }

    const all = lines();
    for (const l of all) {
      assert.equal(typeof l.time, "string");
      assert.equal(typeof l.level, "number");
      assert.equal(typeof l.msg, "string");
    }
    const failure = all.find((l) => l.step === "extract" && l.level === 50);
    assert.ok(failure, "the extract's failure is logged");
    assert.equal(failure.execution_id, extract.id);
    assert.equal(failure.pipeline, name);
    assert.equal(failure.table, "posts");
    assert.match(String(failure.msg), /access denied/i);

    const access = all.find((l) => l.request_id === "req-logs-1");
    assert.deepEqual(
      { ...access, time: undefined, duration_ms: undefined },
      {
        level: 30,
        time: undefined,
        request_id: "req-logs-1",
        method: "GET",
        route: "/api/v1/executions",
        path: "/api/v1/executions",
        status: 200,
        duration_ms: undefined,
        token_name: "ops",
        msg: "GET /api/v1/executions 200",
      },
    );
    assert.equal(typeof access?.duration_ms, "number");
    assert.ok(
      all.some((l) => l.path === "/api/v1/executions" && l.status === 401 && l.token_name === undefined),
    );
    assert.ok(all.some((l) => l.route === "/metrics" && l.path === "/metrics"));
  });

  it("redacts a secret the service knows where a server quoted it: in the log, the record, the pages, the incident", async () => {
    // User and password swapped by mistake: each server refuses the password as a user name and quotes it back.
    // The values come from variables the service knows as secrets by their names, not through a spec's secret
    // reference: only the worker's own secrets keep them out of the execution's log.
    const swapped = uniqueName("logs_swap");
    const landing = await mkdtemp(join(tmpdir(), "smelter-land-"));
    const yaml = `version: 1
name: ${swapped}
connections:
  src: { kind: mariadb, host: ${process.env.SMELTER_MARIADB_HOST}, port: ${process.env.SMELTER_MARIADB_PORT}, database: social, user: { env: LOGS_SOURCE_PASSWORD }, password: { env: LOGS_SOURCE_USER } }
  wh: { kind: postgres, host: ${process.env.SMELTER_PG_HOST}, port: ${process.env.SMELTER_PG_PORT}, database: warehouse, user: { env: LOGS_WH_PASSWORD }, password: { env: LOGS_WH_USER } }
  land: { kind: local, path: ${landing} }
warehouse: wh
landing: land
tables:
  - { name: posts, primary_key: [id], cursor: [updated_at] }
`;
    const put = await call(svc.url, "PUT", `/api/v1/pipelines/${swapped}`, yaml, {
      ...as,
      "content-type": "application/yaml",
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));

    const cases = [
      { step: "extract", secret: swappedSourcePassword, quoted: /Access denied for user '\[redacted\]'@/ },
      {
        step: "bronze",
        secret: swappedWarehousePassword,
        quoted: /password authentication failed for user "\[redacted\]"/,
      },
    ] as const;
    for (const { step, secret, quoted } of cases) {
      const execution = await failed(step, "posts", swapped);
      assert.equal(execution.status, "failed");
      const logs = await call(
        svc.url,
        "GET",
        `/api/v1/executions/${execution.id}/logs?offset=0`,
        undefined,
        as,
      );
      assert.equal(logs.status, 200);
      assert.equal(logs.body.complete, true);
      const lines = logs.body.lines as { level: string; message: string }[];
      const messages = lines.map((l) => l.message);
      assert.ok(
        messages.every((m) => !m.includes(secret) && !m.includes(encodeURIComponent(secret))),
        `${step}: a line holds the secret: ${JSON.stringify(messages)}`,
      );
      const refusal = lines.find((l) => quoted.test(l.message));
      assert.ok(refusal, `${step}: no line quotes the refusal: ${JSON.stringify(messages)}`);
      assert.equal(refusal.level, "error");

      // The record, as the API answers it and as the Airflow operator polls it (wait, with the status it has).
      const clean = (text: string, what: string) => {
        assert.equal(text.includes(secret), false, `${step}: ${what} holds the secret: ${text}`);
        assert.equal(text.includes(encodeURIComponent(secret)), false, `${step}: ${what}`);
      };
      assert.match(execution.error.message, quoted);
      clean(JSON.stringify(execution), "the execution record");
      const polled = await call(
        svc.url,
        "GET",
        `/api/v1/executions/${execution.id}?wait=1&status=running`,
        undefined,
        as,
      );
      assert.equal(polled.body.status, "failed");
      assert.match(polled.body.error.message, quoted);
      clean(JSON.stringify(polled.body), "the polled status");
      const listed = await call(svc.url, "GET", `/api/v1/executions?pipeline=${swapped}`, undefined, as);
      clean(JSON.stringify(listed.body), "the list of executions");

      // The execution's page.
      const login = await fetch(`${svc.url}/ui/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }),
        redirect: "manual",
      });
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
      const page = await fetch(`${svc.url}/ui/executions/${execution.id}`, { headers: { cookie } });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(html.includes(REDACTED), `${step}: the page does not show the redacted refusal`);
      clean(html, "the execution's page");

      // The incident the failure opened, and the notification body written for it.
      const incident = await eventually(async () => {
        const { rows } = await svc.pool.query<{ id: string; last_event: { error: { message: string } } }>(
          "SELECT id, last_event FROM smelter.incidents WHERE last_event->>'execution_id' = $1",
          [execution.id],
        );
        return rows[0];
      });
      assert.match(incident.last_event.error.message, quoted);
      clean(JSON.stringify(incident.last_event), "the incident");
      const { rows: bodies } = await svc.pool.query<{ body: { error: { message: string } } }>(
        "SELECT body FROM smelter.notifications WHERE incident_id = $1",
        [incident.id],
      );
      assert.equal(bodies.length, 1, `${step}: one message for the webhook`);
      assert.match(bodies[0]!.body.error.message, quoted);
      clean(JSON.stringify(bodies[0]!.body), "the notification body");
    }
    assert.equal(output.join("").includes(swappedSourcePassword), false);
    assert.equal(output.join("").includes(swappedWarehousePassword), false);
  });
});
