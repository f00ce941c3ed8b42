import assert from "node:assert/strict";
import { test } from "node:test";
import type { RequestMode } from "../../../src/contracts/step.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { type ChainStep, chainSteps, runChain } from "../../../src/runtime/chain.ts";
import type { Execution } from "../../../src/state/executions.ts";

const { spec } = parsePipeline(
  `
version: 1
name: shop
connections:
  db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: P } }
  wh: { kind: postgres, url: { env: W } }
  land: { kind: local, path: /tmp/land }
warehouse: wh
landing: land
tables:
  - { name: orders, source: db, primary_key: [id], cursor: [updated_at] }
  - { name: users, source: db, primary_key: [id], cursor: [updated_at] }
silver:
  - { name: orders_flat, from: orders, include_all: true }
  - { name: users_flat, from: users, include_all: true }
  - { name: orders_recent, from: orders, include_all: true }
airflow: { layout: table }
`,
  "shop.yaml",
);

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const backfill: RequestMode = { kind: "backfill", range: { by: "cursor", from: ["2026-01-01"], to: null } };

test("a chain runs its step with the request's mode, then bronze and the table's models in their usual run", () => {
  const request = {
    pipeline: "shop",
    step: "extract" as const,
    table: "orders",
    chain: true,
    mode: backfill,
  };
  assert.deepEqual(chainSteps(spec, request), [
    { step: "extract", table: "orders", mode: backfill },
    { step: "bronze", table: "orders" },
    { step: "silver", table: "orders_flat" },
    { step: "silver", table: "orders_recent" },
  ]);
});

test("a chain skips the steps done before and starts each other step as an execution of its own", async () => {
  const started: ChainStep[] = [];
  const prior = { id: "ex_old", airflow: { try_number: 1 } } as Execution;
  const metrics = await runChain(
    spec,
    { pipeline: "shop", step: "extract", table: "users", chain: true },
    quiet,
    new AbortController().signal,
    {
      doneSteps: async () => new Map([["extract:users", prior]]),
      startChild: async (target) => {
        started.push(target);
        return { id: `ex_${target.step}` } as Execution;
      },
      run: async () => ({ metrics: { inserted: 1 } }),
    },
  );
  assert.deepEqual(started, [
    { step: "bronze", table: "users" },
    { step: "silver", table: "users_flat" },
  ]);
  assert.deepEqual(metrics.steps, {
    extract: { executionId: "ex_old", ranBefore: true },
    bronze: { inserted: 1, executionId: "ex_bronze" },
    "silver users_flat": { inserted: 1, executionId: "ex_silver" },
  });
});

test("the first failing step ends the chain with its error, named and as retryable as it was", async () => {
  const started: string[] = [];
  await assert.rejects(
    runChain(
      spec,
      { pipeline: "shop", step: "extract", table: "orders", chain: true },
      quiet,
      new AbortController().signal,
      {
        doneSteps: async () => new Map(),
        startChild: async (target) => {
          started.push(`${target.table}:${target.step}`);
          return { id: `ex_${started.length}` } as Execution;
        },
        run: async (child) =>
          child.id === "ex_2"
            ? { error: { type: "Busy", message: "locked", retryable: true } }
            : { metrics: {} },
      },
    ),
    (error: Error & { type?: string; retryable?: boolean }) => {
      assert.equal(error.type, "Busy");
      assert.equal(error.retryable, true);
      assert.equal(error.message, "bronze (execution ex_2): locked");
      return true;
    },
  );
  assert.deepEqual(started, ["orders:extract", "orders:bronze"]);
});
