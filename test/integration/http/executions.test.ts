import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  call,
  eventually,
  freshDatabase,
  releaseGate,
  SOCIAL_SPEC,
  startService,
  submitBody,
  type TestService,
  testRegistry,
} from "./harness.ts";

describe("task hook API", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;
  let release!: () => void;

  before(async () => {
    db = await freshDatabase();
    const gate = releaseGate();
    release = gate.release;
    svc = await startService(db.url, { registry: testRegistry(gate.released), lockWaitSeconds: 60 });
    const put = await call(svc.url, "PUT", "/api/v1/pipelines/social", SOCIAL_SPEC, {
      "content-type": "application/yaml",
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
  });
  after(async () => {
    release();
    await svc.close();
    await db.drop();
  });

  test("a submit returns 202 and runs to success with metrics and logs", async () => {
    const sub = await call(svc.url, "POST", "/api/v1/executions", submitBody("posts"));
    assert.equal(sub.status, 202);
    assert.match(sub.body.id, /^ex_/);
    assert.equal(sub.body.links.ui, `http://smelter.test/ui/executions/${sub.body.id}`);
    const done = await eventually(async () => {
      const r = await call(svc.url, "GET", `/api/v1/executions/${sub.body.id}`);
      return r.body.status === "success" && r.body;
    });
    assert.equal(done.metrics.rows_read, 10);
    assert.equal(done.metrics.inserted, 3);
    assert.equal(typeof done.metrics.duration_ms, "number");
    const logs = await call(svc.url, "GET", `/api/v1/executions/${sub.body.id}/logs?offset=0`);
    assert.equal(logs.body.complete, true);
    assert.ok(logs.body.lines.some((l: { message: string }) => l.message === "working on posts"));
    const tail = await call(
      svc.url,
      "GET",
      `/api/v1/executions/${sub.body.id}/logs?offset=${logs.body.next_offset}`,
    );
    assert.deepEqual(tail.body.lines, []);
    assert.equal(tail.body.next_offset, logs.body.next_offset);
  });

  test("the same idempotency key returns the same execution and starts nothing", async () => {
    const body = submitBody("posts", "smelter__social/run1/bronze__posts/-1/1");
    const first = await call(svc.url, "POST", "/api/v1/executions", body);
    const second = await call(svc.url, "POST", "/api/v1/executions", body);
    assert.equal(first.status, 202);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
    const { rows } = await svc.pool.query(
      "SELECT count(*)::int AS n FROM smelter.executions WHERE idempotency_key = $1",
      [body.idempotency_key],
    );
    assert.equal(rows[0].n, 1);
    const other = await call(svc.url, "POST", "/api/v1/executions", { ...body, table: "slow_users" });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.field, "/idempotency_key");
  });

  test("a failing executor ends failed with type, message and retryable", async () => {
    const sub = await call(svc.url, "POST", "/api/v1/executions", submitBody("fail_events"));
    const done = await eventually(async () => {
      const r = await call(svc.url, "GET", `/api/v1/executions/${sub.body.id}`);
      return r.body.status === "failed" && r.body;
    });
    assert.deepEqual(done.error, {
      type: "ConfigError",
      message: "table fail_events: column x does not exist",
      retryable: false,
    });
  });

  test("concurrent submits for the same table run one at a time; the other waits for the lock", async () => {
    const a = await call(svc.url, "POST", "/api/v1/executions", submitBody("slow_posts"));
    const b = await call(svc.url, "POST", "/api/v1/executions", submitBody("slow_posts"));
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    // Two workers may claim both at once; whichever reaches the table's lock first holds it.
    const waitingFor = async (id: string) => {
      const r = await call(svc.url, "GET", `/api/v1/executions/${id}/logs`);
      return r.body.lines.find((l: { message: string }) => l.message.startsWith("waiting for execution"));
    };
    const { holder, waiter, line } = await eventually(async () => {
      for (const [w, h] of [
        [b.body.id, a.body.id],
        [a.body.id, b.body.id],
      ] as const) {
        const found = await waitingFor(w);
        if (found) return { holder: h, waiter: w, line: found };
      }
      return undefined;
    });
    assert.equal(line.message, `waiting for execution ${holder} holding the lock`);
    const first = await call(svc.url, "GET", `/api/v1/executions/${holder}`);
    assert.equal(first.body.status, "running");
    const waiterLogs = await call(svc.url, "GET", `/api/v1/executions/${waiter}/logs`);
    assert.ok(!waiterLogs.body.lines.some((l: { message: string }) => l.message === "working on slow_posts"));

    // A different table is not held up by that lock.
    const other = await call(svc.url, "POST", "/api/v1/executions", submitBody("posts"));
    await eventually(async () => (await svc.store.get(other.body.id))?.status === "success");

    // The holder's work ends when released; its finished_at is stamped just after it lets go of the lock, so
    // the release is the moment the waiter may not start before.
    const releasedAt = new Date().toISOString();
    release();
    for (const id of [a.body.id, b.body.id]) {
      await eventually(async () => (await svc.store.get(id))?.status === "success");
    }
    const lines = await svc.store.readLogs(waiter, 0, 100);
    const secondWork = lines.find((l) => l.message === "working on slow_posts");
    assert.ok(
      secondWork && secondWork.ts >= releasedAt,
      `second worked at ${secondWork?.ts}, first released at ${releasedAt}`,
    );
  });

  test("cancelling a finished execution changes nothing; an unknown one is 404", async () => {
    const finished = (await svc.store.list({ status: "success", limit: 1 }))[0]!;
    const noop = await call(svc.url, "POST", `/api/v1/executions/${finished.id}/cancel`);
    assert.equal(noop.status, 200);
    assert.equal(noop.body.status, "success");
    const missing = await call(svc.url, "POST", "/api/v1/executions/ex_nope/cancel");
    assert.equal(missing.status, 404);
  });

  test("unknown pipeline, table or model answers 404 naming it", async () => {
    const p = await call(svc.url, "POST", "/api/v1/executions", { ...submitBody("posts"), pipeline: "nope" });
    assert.equal(p.status, 404);
    assert.equal(p.body.error.field, "/pipeline");
    const t = await call(svc.url, "POST", "/api/v1/executions", submitBody("nope"));
    assert.equal(t.status, 404);
    assert.match(t.body.error.message, /no table nope/);
    const m = await call(svc.url, "POST", "/api/v1/executions", submitBody("posts", undefined, "silver"));
    assert.equal(m.status, 404);
    assert.match(m.body.error.message, /no silver model posts/);
  });

  test("/metrics reports executions by step and outcome", async () => {
    const r = await call(svc.url, "GET", "/metrics");
    assert.equal(r.status, 200);
    assert.match(r.body, /smelter_executions_total\{step="bronze",outcome="success"\} \d+/);
    assert.match(r.body, /smelter_executions_total\{step="bronze",outcome="failed"\} 1/);
    assert.match(r.body, /smelter_rows_total\{step="bronze",kind="read"\} \d+/);
    assert.match(r.body, /smelter_execution_duration_seconds_count\{step="bronze"\} \d+/);
  });
});
