import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
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

const never = new Promise<void>(() => {});

describe("auth, validation and backpressure", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;

  before(async () => {
    db = await freshDatabase();
    svc = await startService(db.url, { registry: testRegistry(never), maxQueue: 5, startWorker: false });
    await svc.catalog.register("social", SOCIAL_SPEC);
  });
  after(async () => {
    await svc.close();
    await db.drop();
  });

  test("health endpoints need no token", async () => {
    assert.deepEqual((await fetch(`${svc.url}/healthz`).then((r) => r.json())) as object, { status: "ok" });
    assert.equal((await fetch(`${svc.url}/readyz`)).status, 200);
  });

  test("a missing, wrong or under-scoped token is refused with a clear body", async () => {
    const none = await fetch(`${svc.url}/api/v1/executions/ex_x`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.deepEqual(await none.json(), {
      error: {
        type: "Unauthorized",
        message: "missing bearer token: send 'Authorization: Bearer <token>'",
        retryable: false,
      },
    });
    const wrong = await call(svc.url, "GET", "/metrics", undefined, { authorization: "Bearer ops-tokeN" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, "invalid bearer token");
    const reader = await call(svc.url, "POST", "/api/v1/executions", submitBody("posts"), {
      authorization: "Bearer read-token",
    });
    assert.equal(reader.status, 403);
    assert.equal(reader.body.error.message, "token reader lacks the execute scope this endpoint needs");
    const readOk = await call(svc.url, "GET", "/api/v1/pipelines", undefined, {
      authorization: "Bearer read-token",
    });
    assert.equal(readOk.status, 200);
  });

  test("malformed bodies answer 400 naming the bad field", async () => {
    const cases: [unknown, string, RegExp][] = [
      ["{not json", "", /not valid JSON/],
      [{ ...submitBody("posts"), step: "gold" }, "/step", /must be one of "extract", "bronze", "silver"/],
      [{ ...submitBody("posts"), idempotency_key: undefined }, "/idempotency_key", /is required/],
      [{ ...submitBody("posts"), source: "src" }, "/table", /exactly one of table or source/],
      [{ ...submitBody("posts"), extra: 1 }, "/extra", /not allowed/],
      [
        { ...submitBody("posts"), airflow: { ...submitBody("posts").airflow, try_number: "1" } },
        "/airflow/try_number",
        /must be integer/,
      ],
    ];
    for (const [body, field, message] of cases) {
      const r = await call(svc.url, "POST", "/api/v1/executions", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.type === "ValidationError" || r.body.error.type === "MalformedBody", true);
      assert.equal(r.body.error.field, field);
      assert.match(r.body.error.message, message);
    }
  });

  test("a body over the size limit is refused with 413", async () => {
    const r = await call(svc.url, "POST", "/api/v1/executions", {
      ...submitBody("posts"),
      pad: "x".repeat(70_000),
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.type, "PayloadTooLarge");
  });

  test("a burst beyond the queue bound gets 429 with Retry-After and creates nothing extra", async () => {
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(svc.url, "POST", "/api/v1/executions", submitBody("posts", `burst-${i}`)),
      ),
    );
    const statuses = burst.map((r) => r.status).sort();
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429, 429, 429, 429, 429, 429]);
    const refused = burst.find((r) => r.status === 429)!;
    assert.equal(refused.headers.get("retry-after"), "5");
    assert.equal(refused.body.error.retryable, true);
    assert.equal((await svc.store.countByStatus()).queued, 5);
    // A retry of an accepted key is still answered while the queue is full.
    assert.equal(
      (await call(svc.url, "POST", "/api/v1/executions", submitBody("posts", "burst-0"))).status,
      200,
    );
  });

  test("cancelling a queued execution ends it at once as cancelled", async () => {
    const queued = (await svc.store.list({ status: "queued", limit: 1 }))[0]!;
    const r = await call(svc.url, "POST", `/api/v1/executions/${queued.id}/cancel`);
    assert.equal(r.status, 202);
    assert.equal(r.body.status, "cancelled");
    assert.equal(r.body.error.type, "Cancelled");
  });
});

describe("restart", () => {
  test("an execution running when its process is killed is marked failed-retryable on the next start", async () => {
    const db = await freshDatabase();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./fixtures/service-process.ts", import.meta.url)), db.url],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
      const url = chunk.toString().trim();
      const put = await call(url, "PUT", "/api/v1/pipelines/social", SOCIAL_SPEC, {
        "content-type": "application/yaml",
      });
      assert.equal(put.status, 201);
      const sub = await call(url, "POST", "/api/v1/executions", submitBody("slow_users"));
      await eventually(
        async () => (await call(url, "GET", `/api/v1/executions/${sub.body.id}`)).body.status === "running",
      );
      child.kill("SIGKILL");
      await once(child, "exit");

      const svc = await startService(db.url, { registry: testRegistry(Promise.resolve()), leaseSeconds: 1 });
      try {
        const after = await eventually(async () => {
          const e = await svc.store.get(sub.body.id);
          return e?.status === "failed" && e;
        });
        assert.equal(after.error?.type, "Interrupted");
        assert.equal(after.error?.retryable, true);
        // The dead replica's lock went with its connection: the table can run again.
        const retry = await call(svc.url, "POST", "/api/v1/executions", submitBody("slow_users"));
        await eventually(async () => (await svc.store.get(retry.body.id))?.status === "success");
      } finally {
        await svc.close();
      }
    } finally {
      child.kill("SIGKILL");
      await db.drop();
    }
  });
});
