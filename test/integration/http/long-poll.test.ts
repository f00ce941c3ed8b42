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

describe("long-polling an execution's status", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let runner: TestService;
  let reader: TestService;
  let release!: () => void;

  before(async () => {
    db = await freshDatabase();
    const gate = releaseGate();
    release = gate.release;
    runner = await startService(db.url, { registry: testRegistry(gate.released) });
    // A second replica that runs nothing: what it answers comes from another replica's changes.
    reader = await startService(db.url, { registry: testRegistry(gate.released), startWorker: false });
    const put = await call(runner.url, "PUT", "/api/v1/pipelines/social", SOCIAL_SPEC, {
      "content-type": "application/yaml",
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
  });
  after(async () => {
    release();
    await reader.close();
    await runner.close();
    await db.drop();
  });

  test("without wait the status is answered at once", async () => {
    const sub = await call(runner.url, "POST", "/api/v1/executions", submitBody("posts"));
    const started = performance.now();
    const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?status=${sub.body.status}`);
    assert.equal(r.status, 200);
    assert.ok(performance.now() - started < 1000);
  });

  test("a wait without a change answers the unchanged status when it ends", async () => {
    // slow_users runs until the suite releases the test executors, so its status stays `running`.
    const sub = await call(runner.url, "POST", "/api/v1/executions", submitBody("slow_users"));
    await eventually(async () => {
      const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}`);
      return r.body.status === "running";
    });
    const started = performance.now();
    const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?wait=1&status=running`);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.body.status, "running");
    assert.ok(seconds >= 0.9 && seconds < 3, `answered after ${seconds.toFixed(2)} s`);
  });

  test("a wait ends as soon as another replica finishes the execution, and its logs are complete at once", async () => {
    const sub = await call(runner.url, "POST", "/api/v1/executions", submitBody("slow_posts"));
    await eventually(async () => {
      const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}`);
      return r.body.status === "running";
    });
    const started = performance.now();
    const waiting = call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?wait=20&status=running`);
    setTimeout(release, 300);
    const r = await waiting;
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.status, 200);
    assert.equal(r.body.status, "success");
    assert.ok(seconds < 3, `answered after ${seconds.toFixed(2)} s`);
    const logs = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}/logs?offset=0`);
    assert.equal(logs.body.complete, true);
    assert.ok(logs.body.lines.some((l: { message: string }) => /succeeded in/.test(l.message)));
  });

  test("a finished execution is answered at once, whether the client names its status or none", async () => {
    const sub = await call(runner.url, "POST", "/api/v1/executions", submitBody("posts"));
    await eventually(async () => {
      const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}`);
      return r.body.status === "success";
    });
    for (const query of ["wait=20", "wait=20&status=success"]) {
      const started = performance.now();
      const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?${query}`);
      assert.equal(r.body.status, "success");
      assert.ok(performance.now() - started < 1000, `?${query} was held`);
    }
  });

  test("a status other than the one the client has is answered at once", async () => {
    const sub = await call(runner.url, "POST", "/api/v1/executions", submitBody("posts"));
    await eventually(async () => {
      const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}`);
      return r.body.status === "success";
    });
    const started = performance.now();
    const r = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?wait=20&status=queued`);
    assert.equal(r.body.status, "success");
    assert.ok(performance.now() - started < 1000);
  });

  test("a wait beyond 30 s, a bad status or an unknown id is refused", async () => {
    const sub = await call(runner.url, "POST", "/api/v1/executions", submitBody("posts"));
    const long = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?wait=31`);
    assert.equal(long.status, 400);
    assert.equal(long.body.error.field, "/wait");
    const bad = await call(reader.url, "GET", `/api/v1/executions/${sub.body.id}?wait=1&status=done`);
    assert.equal(bad.status, 400);
    const unknown = await call(reader.url, "GET", "/api/v1/executions/ex_nope?wait=1");
    assert.equal(unknown.status, 404);
  });
});
