import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { silver } from "../../../src/executors/silver.ts";
import { listManifestIds } from "../../../src/landing/index.ts";
import { pruneLanding } from "../../../src/scheduler/landing-retention.ts";
import { retentionJob } from "../../../src/scheduler/retention.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { openStateDb } from "../../../src/state/db.ts";
import { ExecutionStore } from "../../../src/state/executions.ts";
import { PipelineCatalog } from "../../../src/state/pipelines.ts";
import { pruneChangeFeed } from "../../../src/warehouse/maintenance.ts";
import { freshDatabase } from "../http/harness.ts";
import { Fixture, type Row } from "../warehouse/fixture.ts";

const row = (id: number, title: string, second: number): Row => ({
  id,
  account_type_id: 1,
  title,
  amount: "1.5000",
  payload: "{}",
  updated_at: `2024-01-01 00:00:${String(second).padStart(2, "0")}`,
  deleted: false,
});

test("the retention job prunes old executions, the change feed silver has read and old landed batches, and reports a failing pipeline without stopping", async (t) => {
  const fx = await Fixture.create();
  const db = await freshDatabase();
  const pool = await openStateDb(db.url, 4);
  const store = new ExecutionStore(pool);
  t.after(async () => {
    await store.events.close();
    await pool.end();
    await db.drop();
    await fx.close();
  });

  // Three commits, each merged by silver: versions 1..3, silver's checkpoint at 3.
  const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
  for (let v = 1; v <= 3; v++) {
    await fx.land([row(1, `t${v}`, v), row(v + 1, "new", v)]);
    await bronze(request, fx.ctx());
    await silver({ ...request, step: "silver", table: "posts_flat" }, fx.ctx());
  }
  const newest = (await listManifestIds(fx.zone, fx.spec.name, "posts")).at(-1);

  // A pipeline whose warehouse is down sorts first: it is reported, and the job goes on to the next one.
  const down: PipelineSpec = {
    ...fx.spec,
    name: `a${fx.spec.name}`,
    connections: {
      ...fx.spec.connections,
      wh: { ...fx.spec.connections.wh, url: { env: "RETENTION_DOWN_URL" } },
    },
  } as PipelineSpec;
  const env = { ...process.env, RETENTION_DOWN_URL: "postgres://smelter:s3cret-pw@127.0.0.1:1/warehouse" };
  const specs = new Map([fx.spec, down].map((s) => [s.name, s]));
  const catalog = new PipelineCatalog(
    pool,
    "/nonexistent-specs-dir",
    (text, file) => ({
      spec: specs.get(text) as PipelineSpec,
      file,
      hash: createHash("sha256").update(text).digest("hex"),
    }),
    { secretsDir: null, allowedHosts: null },
  );
  for (const name of specs.keys()) await catalog.register(name, name);

  const submitted = [];
  for (const key of ["old", "recent", "running"]) {
    const r = await store.submit({ request, idempotencyKey: key, airflow: null }, 100);
    assert.ok(r.kind === "created");
    submitted.push(r.execution.id);
  }
  await pool.query(
    `UPDATE smelter.executions SET status = 'success', started_at = now() - interval '41 days',
            finished_at = now() - interval '40 days' WHERE id = $1`,
    [submitted[0]],
  );
  await pool.query(
    "UPDATE smelter.executions SET status = 'failed', started_at = now(), finished_at = now() WHERE id = $1",
    [submitted[1]],
  );
  await pool.query(
    `UPDATE smelter.executions SET status = 'running', started_at = now() - interval '40 days'
      WHERE id = $1`,
    [submitted[2]],
  );

  const said: string[] = [];
  const later = new Date(Date.now() + 3 * 86_400_000);
  const job = retentionJob("0 3 * * *", {
    store,
    catalog,
    settings: { executionDays: 30, changeFeedKeepVersions: 1, landingDays: 1 },
    pruneChangeFeed,
    // The landed batches are minutes old: the job looks at them three days from now.
    pruneLanding: (spec, table, e, options) => pruneLanding(spec, table, e, { ...options, now: later }),
    env,
    say: (m) => said.push(m),
  });
  await job.run();

  const left = await pool.query("SELECT id FROM smelter.executions ORDER BY id");
  assert.deepEqual(left.rows.map((r) => r.id).sort(), [submitted[1], submitted[2]].sort());
  const versions = await fx.query(
    `SELECT DISTINCT _commit_version::int AS v FROM "${fx.spec.bronzeSchema}".posts__changes ORDER BY 1`,
  );
  assert.deepEqual(versions, [{ v: 3 }], "versions silver has read, but the newest one kept");
  assert.deepEqual(await listManifestIds(fx.zone, fx.spec.name, "posts"), [newest]);

  const where = `pipeline ${fx.spec.name} table posts`;
  assert.deepEqual(said.slice(0, 1), ["retention: deleted 1 execution(s) finished more than 30 days ago"]);
  const unreachable =
    /warehouse unavailable: warehouse wh \(127\.0\.0\.1:1\/warehouse\): connect ECONNREFUSED/;
  for (const [i, part] of [
    [1, "change feed"],
    [2, "landing"],
  ] as const) {
    assert.ok(
      said[i]?.startsWith(`retention: pipeline ${down.name} table posts: ${part} not pruned: `),
      said[i],
    );
    assert.match(said[i] ?? "", unreachable);
  }
  assert.ok(!said.some((m) => m.includes("s3cret-pw")), said.join("\n"));
  assert.deepEqual(said.slice(-2), [
    `retention: ${where}: change feed pruned to version 2 (5 rows)`,
    `retention: ${where}: deleted 2 landed batch(es), 4 object(s)`,
  ]);
  assert.equal(said.length, 5, said.join("\n"));
});
