import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { lockKey } from "../../../src/runtime/locks.ts";
import { missingStack } from "../executors/extract-helpers.ts";
import { actionPipeline, ROWS } from "./action-pipeline.ts";
import { airflowCtx, call, eventually } from "./harness.ts";

/*
 * The recovery actions over HTTP against a real pipeline (MariaDB → landing → bronze → silver on PostgreSQL):
 * each behind the operate scope, each in the audit trail, never beside a step of the same table.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");

describe("recovery actions over the API", { skip: skip ?? false }, () => {
  const p = actionPipeline("api");
  const url = () => p.svc().url;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const tablePath = () => `/api/v1/pipelines/${p.name}/tables/${p.table}`;

  /** The execution once it finished. */
  async function finished(id: string) {
    return eventually(async () => {
      const r = await call(url(), "GET", `/api/v1/executions/${id}?wait=5`);
      return ["success", "failed", "cancelled"].includes(r.body.status) && r.body;
    }, 120_000);
  }
  const watermark = async () =>
    (
      await p
        .state()
        .pool.query(
          "SELECT watermark, loading FROM smelter.watermarks WHERE pipeline = $1 AND table_name = $2",
          [p.name, p.table],
        )
    ).rows[0];

  it("answers 403 to a token without the operate scope, and does nothing", async () => {
    for (const token of ["read-token", "run-token"]) {
      const r = await call(url(), "POST", `${tablePath()}/resync`, undefined, as(token));
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.body.error.message, /lacks the operate scope/);
    }
    const put = await call(url(), "PUT", `${tablePath()}/watermark`, { watermark: null }, as("read-token"));
    assert.equal(put.status, 403);
    const audit = await call(url(), "GET", `/api/v1/audit?pipeline=${p.name}`, undefined, as("read-token"));
    assert.deepEqual(audit.body.entries, []);
  });

  it("re-syncs a table through bronze into silver, saying exactly what it does", async () => {
    const r = await call(url(), "POST", `${tablePath()}/resync`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.match(r.body.message, /^queued as execution ex_\w+\. Re-sync table /);
    assert.match(r.body.message, /rows the source no longer has are deleted/);
    assert.deepEqual(r.body.execution.mode, { kind: "resync" });
    assert.equal(r.body.execution.downstream, true);
    assert.equal(r.body.action.outcome, "accepted");
    const done = await finished(r.body.execution.id);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    assert.equal(done.metrics.rows_landed, ROWS);
    assert.equal(done.metrics.chunks_total, 6, "five full chunks and the last, open-ended one");
    assert.equal(done.metrics.steps.bronze.inserted, ROWS);
    assert.equal(done.metrics.steps[`silver ${p.table}_flat`].inserted, ROWS);
    assert.equal(done.progress.chunks_done, 6);
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("converges bronze and silver row by row after deletes and changes the cursor cannot see", async () => {
    const before = await p.changesAfter(0);
    await p.db().query(
      `DELETE FROM ${p.table} WHERE id IN (1, 2500, ${ROWS});
       UPDATE ${p.table} SET payload = 'quietly changed' WHERE id IN (7, 3001);
       INSERT INTO ${p.table} VALUES (${ROWS + 10}, 'new', '2026-03-01')`,
    );
    const r = await call(url(), "POST", `${tablePath()}/resync`);
    const done = await finished(r.body.execution.id);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    assert.deepEqual((await p.changesAfter(before.version)).changes, [
      "delete 1",
      "update_postimage 7",
      "update_preimage 7",
      "delete 2500",
      "update_postimage 3001",
      "update_preimage 3001",
      `delete ${ROWS}`,
      `insert ${ROWS + 10}`,
    ]);
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("backfills a cursor range without moving the watermark; twice adds no change-feed row", async () => {
    const mark = await watermark();
    await p.db().query(`UPDATE ${p.table} SET payload = 'missed' WHERE id = 100`);
    const before = await p.changesAfter(0);
    const range = { from: ["2026-01-01 00:01:00"], to: ["2026-01-01 00:02:00"] };
    const first = await call(url(), "POST", `${tablePath()}/backfill`, range);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.match(first.body.message, /The watermark \(now .*\) does not move/);
    const done = await finished(first.body.execution.id);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    assert.equal(done.metrics.rows_landed, 60, "ids 60..119");
    const once = await p.changesAfter(before.version);
    assert.deepEqual(once.changes, ["update_postimage 100", "update_preimage 100"]);
    assert.deepEqual(await watermark(), mark);

    const again = await finished(
      (await call(url(), "POST", `${tablePath()}/backfill`, range)).body.execution.id,
    );
    assert.equal(again.status, "success");
    assert.equal(again.metrics.steps.bronze.unchanged, 60);
    assert.deepEqual(await p.changesAfter(once.version), { changes: [], version: once.version });
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("takes a backfill from an Airflow task's request, recorded with its DAG run", async () => {
    const r = await call(
      url(),
      "POST",
      "/api/v1/executions",
      {
        pipeline: p.name,
        step: "extract",
        table: p.table,
        idempotency_key: `bf-${p.name}`,
        airflow: airflowCtx(`extract__${p.table}`),
        backfill: { by: "key", from: [10], to: [20] },
      },
      as("run-token"),
    );
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.mode, { kind: "backfill", range: { by: "key", from: [10], to: [20] } });
    const done = await finished(r.body.id);
    assert.equal(done.metrics.rows_landed, 10);
    const bad = await call(
      url(),
      "POST",
      "/api/v1/executions",
      {
        pipeline: p.name,
        step: "bronze",
        table: p.table,
        idempotency_key: `bf2-${p.name}`,
        backfill: { from: ["x"] },
      },
      as("run-token"),
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "/backfill");
  });

  it("sets and resets the watermark, but refuses while an extract holds the table", async () => {
    const holder = new pg.Client({ connectionString: p.state().url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey(p.name, "extract", p.table)]);
      const busy = await call(url(), "PUT", `${tablePath()}/watermark`, {
        watermark: ["2026-01-01 01:00:00"],
      });
      assert.equal(busy.status, 409);
      assert.equal(busy.body.error.type, "Busy");
      assert.match(busy.body.error.message, /is being extracted by .*; the watermark was not changed/);
    } finally {
      await holder.end();
    }
    const wide = await call(url(), "PUT", `${tablePath()}/watermark`, { watermark: ["a", 1] });
    assert.equal(wide.status, 400);
    assert.match(wide.body.error.message, /needs 1 value\(s\), one per cursor column \(updated_at\); got 2/);

    const set = await call(url(), "PUT", `${tablePath()}/watermark`, { watermark: ["2026-01-01 01:00:00"] });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.action.outcome, "success");
    assert.deepEqual(set.body.previous.watermark, ["2026-03-01 00:00:00.000000"]);
    assert.deepEqual(await watermark(), { watermark: ["2026-01-01 01:00:00"], loading: false });

    const reset = await call(url(), "PUT", `${tablePath()}/watermark`, { watermark: null });
    assert.equal(reset.status, 200);
    assert.match(reset.body.message, /reset .*the next extract loads the whole table in chunks/);
    assert.deepEqual(await watermark(), { watermark: null, loading: false });
  });

  it("waits for a step of the same table that is running, then runs", async () => {
    const holder = new pg.Client({ connectionString: p.state().url });
    await holder.connect();
    await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey(p.name, "bronze", p.table)]);
    const r = await call(url(), "POST", `/api/v1/pipelines/${p.name}/models/${p.table}_flat/rebuild`);
    const resync = await call(url(), "POST", `${tablePath()}/resync`);
    assert.equal(resync.status, 202);
    const id = resync.body.execution.id;
    await eventually(async () => {
      const logs = await call(url(), "GET", `/api/v1/executions/${id}/logs`);
      return logs.body.lines.some((l: { message: string }) => l.message.startsWith("waiting for execution"));
    });
    assert.equal((await call(url(), "GET", `/api/v1/executions/${id}`)).body.status, "running");
    await holder.end();
    const done = await finished(id);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    const rebuilt = await finished(r.body.execution.id);
    assert.equal(rebuilt.status, "success", JSON.stringify(rebuilt.error));
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("rebuilds a silver model from bronze", async () => {
    const r = await call(url(), "POST", `/api/v1/pipelines/${p.name}/models/${p.table}_flat/rebuild`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.match(r.body.message, /empty silver table .* fill it from the current rows of bronze table/);
    const done = await finished(r.body.execution.id);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    assert.equal(done.metrics.inserted, ROWS - 3 + 1);
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("re-runs a failed execution as a new one and keeps the old; refuses one that succeeded", async () => {
    await p.db().query(`RENAME TABLE ${p.table} TO ${p.table}_away`);
    let failed: { id: string; status: string };
    try {
      const sub = await call(
        url(),
        "POST",
        "/api/v1/executions",
        { pipeline: p.name, step: "extract", table: p.table, idempotency_key: `fail-${p.name}` },
        as("run-token"),
      );
      failed = await finished(sub.body.id);
    } finally {
      await p.db().query(`RENAME TABLE ${p.table}_away TO ${p.table}`);
    }
    assert.equal(failed.status, "failed");
    const r = await call(url(), "POST", `/api/v1/executions/${failed.id}/rerun`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.execution.rerun_of, failed.id);
    assert.match(r.body.message, new RegExp(`Re-run execution ${failed.id} \\(extract of .*, failed: `));
    const rerun = await finished(r.body.execution.id);
    assert.equal(rerun.status, "success", JSON.stringify(rerun.error));
    assert.equal((await call(url(), "GET", `/api/v1/executions/${failed.id}`)).body.status, "failed");
    const again = await call(url(), "POST", `/api/v1/executions/${rerun.id}/rerun`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /is success: only a failed or cancelled execution is re-run/);
  });

  it("lists every action in the audit trail: token, time, what and outcome", async () => {
    const r = await call(
      url(),
      "GET",
      `/api/v1/audit?pipeline=${p.name}&limit=100`,
      undefined,
      as("read-token"),
    );
    assert.equal(r.status, 200);
    const entries = (r.body.entries as Record<string, unknown>[]).reverse();
    assert.deepEqual(
      entries.map((e) => [e.actor, e.via, e.action, e.outcome]),
      [
        ["ops", "api", "resync", "success"],
        ["ops", "api", "resync", "success"],
        ["ops", "api", "backfill", "success"],
        ["ops", "api", "backfill", "success"],
        ["runner", "api", "backfill", "success"],
        ["ops", "api", "set_watermark", "refused"],
        ["ops", "api", "set_watermark", "success"],
        ["ops", "api", "reset_watermark", "success"],
        ["ops", "api", "rebuild_silver", "success"],
        ["ops", "api", "resync", "success"],
        ["ops", "api", "rebuild_silver", "success"],
        ["ops", "api", "rerun", "success"],
        ["ops", "api", "rerun", "refused"],
      ],
    );
    const airflow = entries[4] as { params: Record<string, unknown> };
    assert.equal(airflow.params.dag_id, "smelter__social");
    assert.ok(entries.every((e) => typeof e.at === "string" && e.target !== null));
  });
});
