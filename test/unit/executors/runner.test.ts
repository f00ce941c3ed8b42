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
