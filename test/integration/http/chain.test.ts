import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Executor, RequestMode } from "../../../src/contracts/step.ts";
import { CancelledError, TransientError } from "../../../src/errors.ts";
import type { ExecutorRegistry } from "../../../src/executors/runner.ts";
import { airflowCtx, call, eventually, freshDatabase, startService, type TestService } from "./harness.ts";

/*
 * A chain (one Airflow task per table): each step is an execution of its own with the chain as its parent, and a
 * retry of the task (same DAG run and task, next try) starts at the step that failed. The executors are test
 * executors; the HTTP app, the worker, the locks and the state database are the real ones.
 */

const SPEC = "name: social\ntables: [posts, users, slow]\nsilver: [posts_flat, posts_recent]\n";

/** Runs of each `<step>:<table>`, and a silver model that fails while `failing` holds it. */
const runs: string[] = [];
const failing = new Set<string>();

const registry: ExecutorRegistry = Object.fromEntries(
  (["extract", "bronze", "silver"] as const).map((step) => {
    const run: Executor = async (request, ctx) => {
      runs.push(`${step}:${request.table}`);
      ctx.log.info(`${step} working on ${request.table}`);
      if (step === "bronze" && request.table === "slow")
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      if (ctx.signal.aborted) throw new CancelledError();
      if (failing.has(`${step}:${request.table}`))
        throw new TransientError(`warehouse connection lost during ${step} of ${request.table}`);
      return { rowsRead: 5, inserted: 2 };
    };
    return [step, run];
  }),
) as unknown as ExecutorRegistry;

const submit = (svc: TestService, table: string, tryNumber: number, extra: object = {}) => {
  const airflow = airflowCtx(`table__${table}`, tryNumber);
  return call(svc.url, "POST", "/api/v1/executions", {
    pipeline: "social",
    step: "extract",
    table,
    chain: true,
    idempotency_key: `${airflow.dag_id}/${airflow.run_id}/${airflow.task_id}/-1/${tryNumber}`,
    airflow,
    ...extra,
  });
};

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
const finished = async (svc: TestService, id: string): Promise<any> =>
  eventually(async () => {
    const r = await call(svc.url, "GET", `/api/v1/executions/${id}`);
    return ["success", "failed", "cancelled"].includes(r.body.status) && r.body;
  });

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
const childrenOf = async (svc: TestService, parent: string): Promise<any[]> => {
  const r = await call(svc.url, "GET", "/api/v1/executions?pipeline=social&limit=100");
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return r.body.executions.filter((e: any) => e.parent_id === parent).reverse();
};

describe("a chain of a table's steps", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;

  before(async () => {
    db = await freshDatabase();
    svc = await startService(db.url, { registry });
    const put = await call(svc.url, "PUT", "/api/v1/pipelines/social", SPEC, {
      "content-type": "application/yaml",
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
  });
  after(async () => {
    await svc.close();
    await db.drop();
  });

  test("runs extract, bronze and the table's silver models, each as its own execution with logs and metrics", async () => {
    runs.length = 0;
    const sub = await submit(svc, "posts", 1);
    assert.equal(sub.status, 202, JSON.stringify(sub.body));
    assert.equal(sub.body.chain, true);
    const chain = await finished(svc, sub.body.id);
    assert.equal(chain.status, "success", JSON.stringify(chain.error));
    assert.deepEqual(runs, ["extract:posts", "bronze:posts", "silver:posts_flat", "silver:posts_recent"]);

    const children = await childrenOf(svc, chain.id);
    assert.deepEqual(
      children.map((c) => [c.step, c.table, c.status, c.idempotency_key.split("#")[1]]),
      [
        ["extract", "posts", "success", "extract:posts"],
        ["bronze", "posts", "success", "bronze:posts"],
        ["silver", "posts_flat", "success", "silver:posts_flat"],
        ["silver", "posts_recent", "success", "silver:posts_recent"],
      ],
    );
    for (const child of children) {
      assert.equal(child.metrics.inserted, 2);
      assert.deepEqual(child.airflow, chain.airflow, "a step carries the task's Airflow context");
      const logs = await call(svc.url, "GET", `/api/v1/executions/${child.id}/logs?offset=0`);
      assert.ok(
        logs.body.lines.some(
          (l: { message: string }) => l.message === `${child.step} working on ${child.table}`,
        ),
      );
    }
    assert.deepEqual(Object.keys(chain.metrics.steps).sort(), [
      "bronze",
      "extract",
      "silver posts_flat",
      "silver posts_recent",
    ]);
    assert.equal(chain.metrics.steps.bronze.execution_id, children[1].id);
    assert.equal(chain.metrics.steps.bronze.inserted, 2);
    // The task log shows every step's lines: the chain's log holds them, prefixed with the step.
    const logs = await call(svc.url, "GET", `/api/v1/executions/${chain.id}/logs?offset=0`);
    const messages = logs.body.lines.map((l: { message: string }) => l.message);
    assert.ok(messages.includes("[silver posts_flat] silver working on posts_flat"), messages.join("\n"));
  });

  test("a retry of the task starts at the step that failed; the steps done before are not run again", async () => {
    failing.add("silver:posts_recent");
    runs.length = 0;
    const airflow = { run_id: "manual__2026-11-22T00:00:00+00:00" };
    const again = (tryNumber: number) =>
      submit(svc, "posts", tryNumber, {
        idempotency_key: `smelter__social/${airflow.run_id}/table__posts/-1/${tryNumber}`,
        airflow: { ...airflowCtx("table__posts", tryNumber), ...airflow },
      });
    const failed = await finished(svc, (await again(1)).body.id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error.type, "TransientError");
    assert.equal(failed.error.retryable, true, "the task is retried as the step would be");
    assert.match(
      failed.error.message,
      /^silver posts_recent \(execution ex_\w+\): warehouse connection lost/,
    );
    assert.deepEqual(runs, ["extract:posts", "bronze:posts", "silver:posts_flat", "silver:posts_recent"]);
    const failedSteps = await childrenOf(svc, failed.id);
    assert.deepEqual(
      failedSteps.map((c) => c.status),
      ["success", "success", "success", "failed"],
    );

    failing.clear();
    runs.length = 0;
    const retried = await finished(svc, (await again(2)).body.id);
    assert.equal(retried.status, "success", JSON.stringify(retried.error));
    assert.deepEqual(runs, ["silver:posts_recent"], "only the failed step ran again");
    assert.equal(retried.metrics.steps.extract.ran_before, true);
    assert.equal(retried.metrics.steps.extract.execution_id, failedSteps[0].id);
    assert.equal(retried.metrics.steps["silver posts_flat"].ran_before, true);
    assert.equal(retried.metrics.steps["silver posts_recent"].ran_before, undefined);
    const logs = await call(svc.url, "GET", `/api/v1/executions/${retried.id}/logs?offset=0`);
    assert.ok(
      logs.body.lines.some((l: { message: string }) =>
        l.message.startsWith(`bronze: already done by execution ${failedSteps[1].id} (try 1)`),
      ),
    );
  });

  test("a chain of another DAG run runs every step again", async () => {
    runs.length = 0;
    const other = { run_id: "manual__2026-11-23T00:00:00+00:00" };
    const sub = await submit(svc, "users", 1, {
      idempotency_key: `smelter__social/${other.run_id}/table__users/-1/1`,
      airflow: { ...airflowCtx("table__users", 1), ...other },
    });
    assert.equal((await finished(svc, sub.body.id)).status, "success");
    assert.deepEqual(runs, ["extract:users", "bronze:users"]);
  });

  test("cancelling the chain cancels the step under way and starts no later step", async () => {
    runs.length = 0;
    const sub = await submit(svc, "slow", 1);
    const running = await eventually(async () =>
      (await childrenOf(svc, sub.body.id)).find((c) => c.step === "bronze" && c.status === "running"),
    );
    await call(svc.url, "POST", `/api/v1/executions/${sub.body.id}/cancel`);
    const chain = await finished(svc, sub.body.id);
    assert.equal(chain.status, "cancelled");
    const step = await finished(svc, running.id);
    assert.equal(step.status, "cancelled");
    assert.match(step.error.message, new RegExp(`the table's execution ${sub.body.id} was cancelled`));
    assert.deepEqual(runs, ["extract:slow", "bronze:slow"]);
  });

  test("a step keeps the mode the chain asked for its first step (a backfill DAG run's range)", async () => {
    const parent = await finished(
      svc,
      (await submit(svc, "users", 1, { idempotency_key: "mode-parent" })).body.id,
    );
    const mode: RequestMode = { kind: "backfill", range: { by: "cursor", from: ["2026-01-01"], to: null } };
    // As the worker starts a chain's first step (a parent key of its own, so as not to meet the chain's steps).
    const child = await svc.store.startChild(
      { ...parent, idempotency_key: "mode-parent-again" },
      { step: "extract", table: "users", mode },
      "test-worker",
    );
    assert.deepEqual((await svc.store.get(child.id))?.mode, mode);
    assert.equal(child.parent_id, parent.id);
  });

  test("a chain is refused for a source, and for silver", async () => {
    const source = await call(svc.url, "POST", "/api/v1/executions", {
      pipeline: "social",
      step: "extract",
      source: "src",
      chain: true,
      idempotency_key: "chain-source",
    });
    assert.equal(source.status, 400);
    assert.equal(source.body.error.field, "/chain");
    const silver = await call(svc.url, "POST", "/api/v1/executions", {
      pipeline: "social",
      step: "silver",
      table: "posts_flat",
      chain: true,
      idempotency_key: "chain-silver",
    });
    assert.equal(silver.status, 400);
    assert.equal(silver.body.error.field, "/chain");
  });
});
