import assert from "node:assert/strict";
import { test } from "node:test";
import type { ExecutionContext, Executor } from "../../../src/contracts/step.ts";
import { type ExecutorRegistry, runTaskWith } from "../../../src/executors/runner.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { noWatermarkStore } from "../../../src/state/watermarks.ts";

const spec = `
version: 1
name: shop
connections:
  db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: P }, max_connections: 4 }
  wh: { kind: postgres, url: { env: W } }
  land: { kind: local, path: /tmp/land }
warehouse: wh
landing: land
tables:
  - { name: a, source: db, primary_key: [id], cursor: [updated_at] }
  - { name: b, source: db, primary_key: [id], cursor: [updated_at] }
  - { name: c, source: db, primary_key: [id], cursor: [updated_at] }
`;

function context(): { ctx: ExecutionContext; lines: string[] } {
  const lines: string[] = [];
  const log = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(m),
  };
  const ctx: ExecutionContext = {
    executionId: "ex_test",
    pipeline: parsePipeline(spec, "shop.yaml"),
    log,
    signal: new AbortController().signal,
    env: {},
    watermarks: noWatermarkStore,
  };
  return { ctx, lines };
}

function registryOf(extract: Executor): ExecutorRegistry {
  const unused: Executor = async () => ({});
  return { extract, bronze: unused, silver: unused };
}

test("a source task runs every table of the source and sums their metrics", async () => {
  const { ctx } = context();
  const seen: string[] = [];
  const metrics = await runTaskWith(
    registryOf(async (request) => {
      seen.push(request.table!);
      return { rowsRead: 10, files: 1 };
    }),
    { pipeline: "shop", step: "extract", source: "db" },
    ctx,
  );
  assert.deepEqual(seen.sort(), ["a", "b", "c"]);
  assert.equal(metrics.rowsRead, 30);
  assert.equal(metrics.files, 3);
  assert.deepEqual(Object.keys(metrics.tables ?? {}).sort(), ["a", "b", "c"]);
});

test("tables run side by side share the source's connections instead of each taking all of them", async () => {
  const { ctx } = context();
  const budgets: (number | undefined)[] = [];
  await runTaskWith(
    registryOf(async (_request, tableCtx) => {
      budgets.push(tableCtx.connectionBudget);
      return {};
    }),
    { pipeline: "shop", step: "extract", source: "db" },
    ctx,
  );
  // 3 tables at once within max_connections 4: one connection each, never 3 × 4.
  assert.deepEqual(budgets, [1, 1, 1]);
});

test("a table task keeps the whole connection budget of its source", async () => {
  const { ctx } = context();
  let budget: number | undefined = -1;
  await runTaskWith(
    registryOf(async (_request, tableCtx) => {
      budget = tableCtx.connectionBudget;
      return {};
    }),
    { pipeline: "shop", step: "extract", table: "a" },
    ctx,
  );
  assert.equal(budget, undefined);
});

test("a failing table fails the source task with the table's name and the error's retryability", async () => {
  const { ctx } = context();
  const { TransientError } = await import("../../../src/errors.ts");
  await assert.rejects(
    runTaskWith(
      registryOf(async (request) => {
        if (request.table === "b") throw new TransientError("connection reset");
        return {};
      }),
      { pipeline: "shop", step: "extract", source: "db" },
      ctx,
    ),
    (error: Error & { retryable?: boolean }) =>
      /table b: connection reset/.test(error.message) && error.retryable === true,
  );
});

test("a source task offers its tables to the step's shared executor first and runs the rest one by one", async () => {
  const { ctx } = context();
  const one: string[] = [];
  const registry: ExecutorRegistry = {
    ...registryOf(async (request) => {
      one.push(request.table!);
      return { rowsRead: 1 };
    }),
    shared: {
      extract: async (_request, tables) => ({
        results: { a: { rowsRead: 5 }, c: { rowsRead: 7 } },
        rest: tables.filter((t) => t === "b"),
      }),
    },
  };
  const metrics = await runTaskWith(registry, { pipeline: "shop", step: "extract", source: "db" }, ctx);
  assert.deepEqual(one, ["b"]);
  assert.equal(metrics.rowsRead, 13);
  assert.deepEqual(Object.keys(metrics.tables ?? {}).sort(), ["a", "b", "c"]);
});

test("a failing shared executor fails the source task naming the source", async () => {
  const { ctx } = context();
  const { TransientError } = await import("../../../src/errors.ts");
  const registry: ExecutorRegistry = {
    ...registryOf(async () => ({})),
    shared: {
      extract: async () => {
        throw new TransientError("binlog connection lost");
      },
    },
  };
  await assert.rejects(
    runTaskWith(registry, { pipeline: "shop", step: "extract", source: "db" }, ctx),
    (error: Error & { retryable?: boolean }) =>
      /^source db: binlog connection lost/.test(error.message) && error.retryable === true,
  );
});

/** Resolves after `ms` milliseconds. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test("a downstream source task starts a table's bronze as soon as its extract ended, beside the next extracts", async () => {
  const { ctx } = context();
  const events: string[] = [];
  const step =
    (name: string, ms: Record<string, number>): Executor =>
    async (request) => {
      events.push(`${name} ${request.table} start`);
      await sleep(ms[request.table!] ?? 0);
      events.push(`${name} ${request.table} end`);
      return name === "extract" ? { rowsRead: 1 } : { inserted: 1 };
    };
  const registry: ExecutorRegistry = {
    extract: step("extract", { a: 5, b: 60, c: 60 }),
    bronze: step("bronze", { a: 5, b: 5, c: 5 }),
    silver: async () => ({}),
  };
  const metrics = await runTaskWith(
    registry,
    { pipeline: "shop", step: "extract", source: "db", downstream: true },
    ctx,
  );
  assert.ok(events.indexOf("bronze a start") < events.indexOf("extract b end"), events.join(", "));
  assert.equal(metrics.rowsRead, 3);
  for (const t of ["a", "b", "c"])
    assert.deepEqual(metrics.tables?.[t], { rowsRead: 1, steps: { bronze: { inserted: 1 } } });
});

test("a downstream source task runs its later steps at most as many tables at once as the step", async () => {
  const { ctx } = context();
  const shop = ctx.pipeline.spec;
  ctx.pipeline.spec = {
    ...shop,
    connections: { ...shop.connections, db: { ...shop.connections.db, maxConnections: 2 } as never },
  };
  let running = 0;
  let most = 0;
  const registry: ExecutorRegistry = {
    extract: async () => ({}),
    bronze: async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(10);
      running -= 1;
      return {};
    },
    silver: async () => ({}),
  };
  await runTaskWith(registry, { pipeline: "shop", step: "extract", source: "db", downstream: true }, ctx);
  assert.equal(most, 2);
});

test("a failing later step of a downstream source task fails it naming the table; the others' steps finish", async () => {
  const { ctx } = context();
  const { TransientError } = await import("../../../src/errors.ts");
  const bronzed: string[] = [];
  const registry: ExecutorRegistry = {
    extract: async () => ({}),
    bronze: async (request) => {
      if (request.table === "b") throw new TransientError("warehouse connection reset");
      await sleep(5);
      bronzed.push(request.table!);
      return {};
    },
    silver: async () => ({}),
  };
  await assert.rejects(
    runTaskWith(registry, { pipeline: "shop", step: "extract", source: "db", downstream: true }, ctx),
    (error: Error & { retryable?: boolean }) =>
      /^table b: bronze \(after extract\): warehouse connection reset/.test(error.message) &&
      error.retryable === true,
  );
  assert.deepEqual(bronzed.sort(), ["a", "c"]);
});
