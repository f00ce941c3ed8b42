import assert from "node:assert/strict";
import { test } from "node:test";
import type { Execution } from "../../../src/state/executions.ts";
import { AirflowReader, airflowUrls } from "../../../src/ui/airflow.ts";
import { duration } from "../../../src/ui/layout.ts";
import type { PipelineDetail } from "../../../src/ui/model.ts";
import { executionPage } from "../../../src/ui/pages/execution.ts";
import { errorPage, loginPage } from "../../../src/ui/pages/login.ts";
import { pipelinePage } from "../../../src/ui/pages/pipeline.ts";
import { pipelinesPage } from "../../../src/ui/pages/pipelines.ts";

const now = new Date("2026-11-21T12:00:00Z");

const execution = (over: Partial<Execution> = {}): Execution => ({
  id: "ex_1",
  pipeline: "social",
  step: "bronze",
  table: "posts",
  source: null,
  status: "success",
  idempotency_key: "k",
  airflow: null,
  created_at: "2026-11-21T11:50:00Z",
  started_at: "2026-11-21T11:50:01Z",
  finished_at: "2026-11-21T11:50:04Z",
  metrics: { inserted: 1200, duration_ms: 3000 },
  error: null,
  mode: null,
  downstream: false,
  progress: null,
  rerun_of: null,
  chain: false,
  parent_id: null,
  ...over,
});

const detail = (over: Partial<PipelineDetail> = {}): PipelineDetail => ({
  name: "social",
  origin: "file",
  file: "specs/social.yaml",
  bronzeSchema: "social_bronze",
  silverSchema: "social_silver",
  tables: [
    { name: "posts", source: "db", mode: "incremental", cursor: ["updated_at"], landing: null, bronze: null },
  ],
  models: [],
  audit: [],
  warehouse: { ok: true, value: null },
  executions: [],
  airflow: { configured: false },
  ...over,
});

test("no pipelines shows how to add one instead of an empty table", () => {
  const page = pipelinesPage([], now).value;
  assert.match(page, /No pipelines yet/);
  assert.doesNotMatch(page, /<table/);
});

test("pipeline names and spec errors are escaped on the pipelines page", () => {
  const page = pipelinesPage(
    [
      {
        name: "x<img src=x>",
        origin: "file",
        file: "specs/x.yaml",
        error: "line 3: <bad>",
        tables: 0,
        models: 0,
        lastExecution: null,
        airflow: { configured: true, dags: { ok: false, message: "connect ECONNREFUSED" } },
      },
    ],
    now,
  ).value;
  assert.ok(page.includes("x&lt;img src=x&gt;"));
  assert.ok(page.includes("line 3: &lt;bad&gt;"));
  assert.match(page, /Airflow unreachable/);
  assert.match(page, /none yet/);
});

test("a pipeline before its first run says nothing was landed, merged or executed yet", () => {
  const page = pipelinePage(
    detail({
      models: [
        { name: "flat", from: "posts", checkpoint: null, sourceVersion: null, updatedAt: null, rows: null },
      ],
    }),
    now,
  ).value;
  assert.match(page, /nothing landed yet/);
  assert.match(page, /not in bronze yet/);
  assert.match(page, /not merged yet/);
  assert.match(page, /No executions yet/);
  assert.match(page, /Airflow is not configured/);
});

test("an unreachable warehouse is a notice on the page, and the bronze cells say so", () => {
  const page = pipelinePage(
    detail({ warehouse: { ok: false, message: "warehouse wh (127.0.0.1:1/w): ECONNREFUSED" } }),
    now,
  ).value;
  assert.match(page, /The warehouse could not be reached/);
  assert.match(page, /ECONNREFUSED/);
  assert.match(page, /warehouse unreachable/);
});

test("a landed table shows watermark, batch, versions, rows and freshness", () => {
  const page = pipelinePage(
    detail({
      tables: [
        {
          name: "posts",
          source: "db",
          mode: "incremental",
          cursor: ["updated_at"],
          landing: {
            batchId: "b20261121T115000000Z-0123abcd",
            watermark: ["2026-11-21 11:49:59"],
            runs: 2,
            updatedAt: "2026-11-21T11:50:00Z",
            manifest: {
              ok: true,
              value: { rows: 345, createdAt: "2026-11-21T11:50:00Z", mode: "incremental" },
            },
          },
          bronze: {
            version: 7,
            committedAt: "2026-11-21T11:55:00Z",
            batches: 2,
            appliedRows: 1345,
            rows: { rows: 1300, estimate: false },
          },
        },
      ],
      models: [
        {
          name: "flat",
          from: "posts",
          checkpoint: 5,
          sourceVersion: 7,
          updatedAt: "2026-11-21T11:56:00Z",
          rows: { rows: 3e6, estimate: true },
        },
      ],
    }),
    now,
  ).value;
  for (const text of [
    "2026-11-21 11:49:59",
    "b20261121T115000000Z-0123abcd",
    "345 rows",
    "v7",
    "1,300",
    "1,345",
    "5 min 00 s ago",
    "2 behind",
    "≈ </span>3,000,000",
  ]) {
    assert.ok(page.includes(text), `page shows ${text}`);
  }
});

test("each table and model with a freshness SLA shows where it stands against it", () => {
  const sla = { warnAfterSeconds: 3600, errorAfterSeconds: 7200 };
  const bronze = (committedAt: string) => ({
    version: 7,
    committedAt,
    batches: 2,
    appliedRows: 10,
    rows: { rows: 10, estimate: false },
  });
  const table = { source: "db", mode: "incremental", cursor: ["updated_at"], landing: null };
  const page = pipelinePage(
    detail({
      tables: [
        { ...table, name: "fresh", bronze: bronze("2026-11-21T11:55:00Z"), freshness: sla },
        { ...table, name: "late", bronze: bronze("2026-11-21T10:30:00Z"), freshness: sla },
        { ...table, name: "never", bronze: null, freshness: sla },
        { ...table, name: "free", bronze: bronze("2026-11-01T00:00:00Z") },
      ],
      models: [
        {
          name: "flat",
          from: "late",
          checkpoint: 5,
          sourceVersion: 7,
          updatedAt: "2026-11-21T11:56:00Z",
          changedAt: "2026-11-21T09:00:00Z",
          rows: null,
          freshness: sla,
        },
      ],
    }),
    now,
  ).value;
  const states = [...page.matchAll(/data-freshness="(\w+)" title="([^"]*)">([^<]*)</g)].map((m) =>
    m.slice(1),
  );
  assert.deepEqual(states, [
    ["ok", "warn after 1 h, error after 2 h", "on time"],
    ["warn", "warn after 1 h, error after 2 h", "late"],
    ["unknown", "warn after 1 h, error after 2 h", "no data"],
    ["error", "warn after 1 h, error after 2 h", "stale"],
  ]);
});

test("trend charts draw each table's recent runs and its freshness, each mark carrying its number", () => {
  const run = (id: string, finishedAt: string, ms: number, rows: number | null, status = "success") => ({
    id,
    status,
    finishedAt,
    ms,
    rows,
  });
  const page = pipelinePage(
    detail({
      tables: [
        {
          name: "posts",
          source: "db",
          mode: "incremental",
          cursor: ["updated_at"],
          landing: null,
          bronze: null,
          freshness: { warnAfterSeconds: 3600, errorAfterSeconds: 7200 },
          trend: {
            extract: [
              run("ex_a", "2026-11-21T09:00:00Z", 1200, 500),
              run("ex_b", "2026-11-21T10:00:00Z", 900, null, "failed"),
              run("ex_c", "2026-11-21T11:00:00Z", 300, 20),
            ],
            bronze: [
              run("ex_d", "2026-11-21T09:00:05Z", 2000, 500),
              run("ex_e", "2026-11-21T10:30:05Z", 400, 0),
              run("ex_f", "2026-11-21T11:00:05Z", 800, 20),
            ],
          },
        },
        { name: "users", source: "db", mode: "full", cursor: [], landing: null, bronze: null },
      ],
    }),
    now,
  ).value;
  const chart = (name: string) => {
    const at = page.indexOf(`data-chart="${name}" data-table="posts"`);
    assert.ok(at > 0, `chart ${name}`);
    return page.slice(at, page.indexOf("</svg>", at));
  };
  const marks = (svg: string) =>
    [...svg.matchAll(/data-execution="(\w+)" data-value="([^"]*)"\s+data-status="(\w+)"/g)].map((m) =>
      m.slice(1),
    );
  assert.deepEqual(marks(chart("extract-rows")), [
    ["ex_a", "500", "success"],
    ["ex_b", "", "failed"],
    ["ex_c", "20", "success"],
  ]);
  assert.deepEqual(
    marks(chart("bronze-duration")).map(([id, ms]) => [id, ms]),
    [
      ["ex_d", "2000"],
      ["ex_e", "400"],
      ["ex_f", "800"],
    ],
  );
  // Changes applied at 09:00:05 and 11:00:05 (the run at 10:30 changed nothing): the age peaked at 2 h before the
  // second change and is 59 min 55 s at the page's time.
  const freshness = chart("freshness");
  assert.match(freshness, /data-changes="2" data-ages="7200,3595"/);
  assert.match(freshness, /class="limit warn" data-seconds="3600"/);
  assert.match(freshness, /class="limit error" data-seconds="7200"/);
  assert.match(page, /<tr data-table="users">[\s\S]*?no runs yet[\s\S]*?no change applied yet/);
});

test("the execution page escapes log lines and errors and links to the Airflow task", () => {
  const airflow = {
    dag_id: "smelter__social",
    run_id: "manual__2026-11-21T11:00:00+00:00",
    task_id: "bronze__posts",
    map_index: -1,
    try_number: 2,
    logical_date: null,
  };
  const page = executionPage(
    {
      execution: execution({
        status: "failed",
        airflow,
        error: { type: "DataError", message: "<b>bad</b>", retryable: false },
      }),
      airflow: airflowUrls("http://af:8080/").task(airflow),
      log: {
        lines: [{ seq: 0, ts: "2026-11-21T11:50:01.123Z", level: "error", message: "<script>x</script>" }],
        nextOffset: 1,
      },
    },
    now,
  ).value;
  assert.ok(page.includes("&lt;script&gt;x&lt;/script&gt;"));
  assert.ok(page.includes("&lt;b&gt;bad&lt;/b&gt;"));
  assert.ok(
    page.includes(
      'href="http://af:8080/dags/smelter__social/runs/manual__2026-11-21T11%3A00%3A00%2B00%3A00/tasks/bronze__posts"',
    ),
  );
  assert.match(page, /retrying will not help/);
  assert.match(page, /data-live="0"/);
});

test("a chain links each step's execution, and a step links its chain", () => {
  const chain = executionPage(
    {
      execution: execution({
        step: "extract",
        chain: true,
        metrics: {
          steps: {
            extract: { execution_id: "ex_2", ran_before: true },
            bronze: { execution_id: "ex_3", inserted: 12 },
          },
        },
      }),
      airflow: null,
      log: { lines: [], nextOffset: 0 },
    },
    now,
  ).value;
  assert.match(chain, /each an execution of its own/);
  assert.match(
    chain,
    /<h4>extract <a class="mono" href="\/ui\/executions\/ex_2">ex_2<\/a> <span class="muted">done by an earlier try/,
  );
  assert.match(chain, /<h4>bronze <a class="mono" href="\/ui\/executions\/ex_3">ex_3<\/a><\/h4><table/);
  const step = executionPage(
    { execution: execution({ parent_id: "ex_9" }), airflow: null, log: { lines: [], nextOffset: 0 } },
    now,
  ).value;
  assert.match(step, /A step of <a href="\/ui\/executions\/ex_9">ex_9<\/a>/);
});

test("an execution's datasets are a table of what it read and wrote, not a metric", () => {
  const page = executionPage(
    {
      execution: execution({
        metrics: {
          inserted: 40,
          lineage: {
            inputs: [{ namespace: "s3://acme-landing", name: "landing/social/posts", layer: "landing" }],
            outputs: [
              {
                namespace: "postgres://wh:5432",
                name: "warehouse.social_bronze.<posts>",
                layer: "bronze",
                fields: [{ name: "id", type: "bigint" }],
                rows: 40,
              },
            ],
          },
        },
      }),
      airflow: null,
      log: { lines: [], nextOffset: 0 },
    },
    now,
  ).value;
  assert.doesNotMatch(page, /<th>lineage<\/th>/);
  assert.match(
    page,
    /<td class="mono">s3:\/\/acme-landing\/landing\/social\/posts<\/td><td>read<\/td><td>landing<\/td><td class="num">—<\/td><td class="num">—<\/td>/,
  );
  assert.match(
    page,
    /<td class="mono">postgres:\/\/wh:5432\/warehouse\.social_bronze\.&lt;posts&gt;<\/td><td>wrote<\/td><td>bronze<\/td><td class="num">1<\/td><td class="num">40<\/td>/,
  );
});

test("a running execution without log lines says so and is marked live", () => {
  const page = executionPage(
    {
      execution: execution({ status: "running", finished_at: null, metrics: null }),
      airflow: null,
      log: { lines: [], nextOffset: 0 },
    },
    now,
  ).value;
  assert.match(page, /No log lines yet/);
  assert.match(page, /No metrics yet/);
  assert.match(page, /data-live="1"/);
});

test("a running chunked load shows chunks done of all, rows, rate and time left", () => {
  const page = executionPage(
    {
      execution: execution({
        status: "running",
        step: "extract",
        finished_at: null,
        metrics: null,
        mode: { kind: "resync" },
        downstream: true,
        progress: {
          table: "posts",
          chunksDone: 4,
          chunksTotal: 11,
          rows: 200000,
          rowsPerSecond: 45000,
          etaSeconds: 9,
        },
      }),
      airflow: null,
      log: { lines: [], nextOffset: 0 },
    },
    now,
  ).value;
  assert.match(page, /<progress max="11" value="4">/);
  assert.match(
    page,
    /<strong>4\/11<\/strong> chunks of posts · 200,000 rows this run ·\s+45,000 rows\/s · about 9\.0 s left/,
  );
  assert.match(page, /resync<\/span>/);
});

test("mapped task instances link to their map index", () => {
  const links = airflowUrls("http://af").task({
    dag_id: "d",
    run_id: "r",
    task_id: "t",
    map_index: 3,
    try_number: 1,
    logical_date: null,
  });
  assert.equal(links.task, "http://af/dags/d/runs/r/tasks/t/mapped/3");
  assert.equal(links.run, "http://af/dags/d/runs/r");
});

test("links into Airflow use its public URL, not the address the service calls its API at", () => {
  const reader = new AirflowReader(
    { url: "http://airflow-api-server:8080", user: "u", password: "p", publicUrl: "http://127.0.0.1:18080" },
    100,
  );
  assert.equal(reader.urls.dag("smelter__social"), "http://127.0.0.1:18080/dags/smelter__social");
  const internalOnly = new AirflowReader({ url: "http://af:8080", user: "u", password: "p" }, 100);
  assert.equal(internalOnly.urls.dag("d"), "http://af:8080/dags/d");
});

test("error and sign-in pages are designed pages, with the next path kept escaped", () => {
  const notFound = errorPage({
    status: 404,
    title: "No execution ex_<x>",
    detail: "gone",
    signedIn: true,
  }).value;
  assert.match(notFound, /No execution ex_&lt;x&gt;/);
  assert.match(notFound, /Back to the pipelines/);
  const login = loginPage({ next: '/ui/"><x', failed: true }).value;
  assert.ok(login.includes('value="/ui/&quot;&gt;&lt;x"'));
  assert.match(login, /That token is not valid/);
});

test("durations read in the largest sensible unit", () => {
  assert.deepEqual([850, 12_300, 245_000, 12_000_000, 200_000_000].map(duration), [
    "850 ms",
    "12.3 s",
    "4 min 05 s",
    "3 h 20 min",
    "2 d 7 h",
  ]);
});

test("with the operate scope each table and model has its action buttons, and the audit trail is escaped", () => {
  const withModel = detail({
    models: [
      { name: "posts_flat", from: "posts", checkpoint: 3, sourceVersion: 3, updatedAt: null, rows: null },
    ],
    audit: [
      {
        id: 1,
        at: "2026-11-21T11:59:00Z",
        actor: "ops",
        via: "ui",
        action: "resync",
        pipeline: "social",
        target: "posts",
        params: null,
        outcome: "refused",
        detail: "<b>busy</b>",
        execution_id: null,
        finished_at: null,
      },
    ],
  });
  const reader = pipelinePage(withModel, now).value;
  assert.doesNotMatch(reader, /data-action=/);
  assert.match(reader, /ops <span class="muted small">\(ui\)<\/span>/);
  assert.match(reader, /&lt;b&gt;busy&lt;\/b&gt;/);
  const operator = pipelinePage(withModel, now, { operate: true }).value;
  for (const action of ["resync", "backfill", "watermark", "rebuild_silver"])
    assert.match(
      operator,
      new RegExp(`data-action="${action}" href="/ui/pipelines/social/actions/${action}\\?`),
    );
});

test("a failed execution offers a re-run to an operator only", () => {
  const d = { execution: execution({ status: "failed" }), airflow: null, log: { lines: [], nextOffset: 0 } };
  assert.doesNotMatch(executionPage(d, now).value, /data-action="rerun"/);
  assert.match(executionPage(d, now, { operate: true }).value, /href="\/ui\/executions\/ex_1\/rerun"/);
});
