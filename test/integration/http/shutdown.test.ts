import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  call,
  eventually,
  freshDatabase,
  SOCIAL_SPEC,
  startService,
  submitBody,
  type TestService,
  testRegistry,
} from "./harness.ts";

describe("draining on shutdown", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  after(async () => db.drop());
  before(async () => {
    db = await freshDatabase();
  });

  const start = async (release: Promise<void>): Promise<TestService> => {
    const svc = await startService(db.url, { registry: testRegistry(release) });
    await svc.catalog.register("social", SOCIAL_SPEC);
    return svc;
  };

  test("while draining, reads keep working, submits get 503 with Retry-After, and a running execution finishes", async () => {
    let release: () => void = () => {};
    const svc = await start(
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    const submitted = await call(svc.url, "POST", "/api/v1/executions", submitBody("slow_posts"));
    const id = submitted.body.id as string;
    await eventually(async () => (await svc.store.get(id))?.status === "running");

    const stopped = svc.close({ graceMs: 20_000 });
    await eventually(async () => svc.worker.draining);
    const status = await call(svc.url, "GET", `/api/v1/executions/${id}`);
    assert.equal(status.status, 200);
    assert.equal(status.body.status, "running");
    assert.equal((await call(svc.url, "GET", `/api/v1/executions/${id}/logs`)).status, 200);
    assert.equal((await fetch(`${svc.url}/readyz`)).status, 503);
    const refused = await call(svc.url, "POST", "/api/v1/executions", submitBody("posts"));
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.type, "ShuttingDown");
    assert.equal(refused.body.error.retryable, true);
    assert.equal(refused.headers.get("retry-after"), "5");

    release();
    await stopped;
    const check = await startService(db.url, {
      registry: testRegistry(Promise.resolve()),
      startWorker: false,
    });
    try {
      assert.equal((await check.store.get(id))?.status, "success");
    } finally {
      await check.close();
    }
  });

  test("an execution still running at the deadline is marked interrupted (retryable)", async () => {
    const svc = await start(new Promise<void>(() => {}));
    const submitted = await call(svc.url, "POST", "/api/v1/executions", submitBody("slow_users"));
    const id = submitted.body.id as string;
    await eventually(async () => (await svc.store.get(id))?.status === "running");
    const check = await startService(db.url, {
      registry: testRegistry(Promise.resolve()),
      startWorker: false,
    });
    try {
      await svc.close({ graceMs: 300 });
      const after = await check.store.get(id);
      assert.equal(after?.status, "failed");
      assert.deepEqual(after?.error, {
        type: "Interrupted",
        message: "the service stopped while the execution was running",
        retryable: true,
      });
    } finally {
      await check.close();
    }
  });
});
