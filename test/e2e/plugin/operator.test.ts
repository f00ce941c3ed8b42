import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import type mysql from "mysql2/promise";
import { seedDemo } from "../../../src/demo/seed.ts";
import { lockKey } from "../../../src/runtime/locks.ts";
import { freePort } from "../../integration/support.ts";
import {
  airflow,
  airflowApi,
  cleanup,
  connectionsYaml,
  describeRun,
  type Execution,
  executions,
  follow,
  freshSourceDatabase,
  publish,
  runPipeline,
  skip,
  stateClient,
  taskOf,
  taskPath,
  trigger,
  uniqueName,
  waitFor,
} from "../pipeline/harness.ts";

/*
 * The smelter Airflow plugin in the real Airflow, against the real service: how the SmelterOperator maps an
 * execution's outcome to Airflow's task states. A retryable failure (the source is unreachable at first) is
 * retried by Airflow and the retry succeeds; a non-retryable one (the source table does not exist) fails at
 * once despite retries left; a deferred task marked failed in Airflow gets its execution cancelled.
 */

const database = uniqueName("e2e_plugin");
const flaky = `${database}_flaky`;
const broken = `${database}_broken`;
const killed = `${database}_killed`;

function spec(name: string, table: string, port?: number): string {
  return (
    `version: 1\nname: ${name}\n${connectionsYaml(database, port === undefined ? undefined : String(port))}` +
    `defaults: { source: src }\ntables:\n  - { name: posts, table: ${table}, primary_key: [id], cursor: [updated_at] }\n` +
    "airflow: { retries: 2, retry_delay: 5s }\n"
  );
}

/** Forwards `port` to the stack's MariaDB: the source becomes reachable on that port. */
async function proxyToMariadb(port: number): Promise<Server> {
  const target = new URL(process.env.SMELTER_MARIADB_URL ?? "mysql://127.0.0.1:13306");
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 3306), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

const byStep = (all: Execution[], step: string) => all.filter((e) => e.step === step);

describe("the SmelterOperator in Airflow", { skip }, () => {
  let conn: mysql.Connection;

  before(async () => {
    conn = await freshSourceDatabase(database);
    await seedDemo(conn, { seed: database, scale: 0.01, force: true });
  });

  after(async () => {
    await conn?.end();
    for (const name of [flaky, broken, killed]) await cleanup(name, database, [`smelter__${name}`]);
  });

  test("a retryable failure is retried by Airflow and the retry succeeds", async () => {
    const port = await freePort();
    await publish(flaky, spec(flaky, "posts", port));
    const started = await trigger(flaky);
    const first = await waitFor(
      "the first extract execution to fail",
      120_000,
      async () => byStep(await executions(flaky), "extract").find((e) => e.status === "failed"),
      300,
    );
    const proxy = await proxyToMariadb(port);
    try {
      assert.equal(
        first.error?.retryable,
        true,
        `the unreachable source is retryable: ${JSON.stringify(first.error)}`,
      );
      const run = await follow(started.dag_id, started.run_id);
      assert.equal(run.state, "success", describeRun(run));
      assert.ok(taskOf(run, "extract__posts").try_number >= 2, describeRun(run));
      const extracts = byStep(await executions(flaky), "extract");
      assert.equal(extracts.filter((e) => e.status === "success").length, 1);
      assert.equal(
        new Set(extracts.map((e) => e.idempotency_key)).size,
        extracts.length,
        "one execution per try",
      );
      const xcom = await airflowApi<{ value: unknown }>(
        "GET",
        `${taskPath(run.dagId, run.runId, "bronze__posts")}/xcomEntries/return_value?deserialize=true&stringify=false`,
      );
      const metrics = (typeof xcom.value === "string" ? JSON.parse(xcom.value) : xcom.value) as Record<
        string,
        number
      >;
      assert.equal(metrics.inserted, 1500, JSON.stringify(xcom.value));
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  test("a non-retryable failure fails the task at once, with retries left", async () => {
    await publish(broken, spec(broken, "no_such_table"));
    const run = await runPipeline(broken);
    assert.equal(run.state, "failed", describeRun(run));
    const extract = taskOf(run, "extract__posts");
    assert.equal(extract.state, "failed", describeRun(run));
    assert.equal(extract.try_number, 1, `no retry: ${describeRun(run)}`);
    assert.equal(taskOf(run, "bronze__posts").state, "upstream_failed");
    const [execution, ...others] = byStep(await executions(broken), "extract");
    assert.equal(others.length, 0);
    assert.equal(execution?.error?.type, "ConfigError");
    assert.equal(execution?.error?.retryable, false);
    assert.match(execution?.error?.message ?? "", /no_such_table/);
  });

  test("marking a deferred task failed in Airflow cancels its execution", async () => {
    await publish(killed, spec(killed, "posts"));
    // Holding the execution's table lock keeps it running (waiting) for as long as the test needs.
    const lock = await stateClient();
    try {
      await lock.query("SELECT pg_advisory_lock($1::bigint)", [lockKey(killed, "extract", "posts")]);
      const started = await trigger(killed);
      await waitFor("extract__posts to be deferred", 120_000, async () => {
        const tis = await airflow.taskInstances(started.dag_id, started.run_id);
        return tis.find((t) => t.task_id === "extract__posts" && t.state === "deferred");
      });
      const [running] = byStep(await executions(killed), "extract");
      assert.equal(running?.status, "running");
      await airflowApi("PATCH", taskPath(started.dag_id, started.run_id, "extract__posts"), {
        new_state: "failed",
      });
      const cancelled = await waitFor("the execution to be cancelled", 120_000, async () => {
        const [e] = byStep(await executions(killed), "extract");
        return e?.status === "cancelled" ? e : undefined;
      });
      assert.equal(cancelled.id, running?.id);
      const run = await follow(started.dag_id, started.run_id);
      assert.equal(run.state, "failed", describeRun(run));
      assert.equal(byStep(await executions(killed), "extract").length, 1, "no new try was started");
    } finally {
      await lock.end();
    }
  });
});
