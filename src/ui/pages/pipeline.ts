import { freshnessState } from "../../spec/freshness.ts";
import type { FreshnessSla } from "../../spec/types.ts";
import type { Execution } from "../../state/executions.ts";
import { freshnessChart, runsChart } from "../chart.ts";
import { type Html, html } from "../html.ts";
import { ago, badge, count, layout, notice, took } from "../layout.ts";
import type { ModelRow, PipelineDetail, RowCount, TableRow } from "../model.ts";
import { auditTable } from "./actions.ts";
import { airflowSection } from "./airflow.ts";

const rows = (c: RowCount | null): Html =>
  c === null
    ? html`<span class="muted">no table</span>`
    : html`${c.estimate ? html`<span title="planner estimate">≈ </span>` : null}${count(c.rows)}`;

const watermarkText = (w: unknown[] | null): string =>
  w === null ? "—" : w.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");

/** A link styled as a button to an action's page (the confirmation, or the form asking its values). */
const actionLink = (pipeline: string, kind: string, param: string, value: string, label: string): Html =>
  html`<a class="button small" data-action="${kind}" href="/ui/pipelines/${encodeURIComponent(pipeline)}/actions/${kind}?${param}=${encodeURIComponent(value)}">${label}</a>`;

const LIMIT = (seconds: number | null): string =>
  seconds === null ? "—" : seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;

/** The table's or model's state against its freshness SLA; nothing when it has none. */
function slaBadge(changedAt: string | null, sla: FreshnessSla | undefined, now: Date): Html | null {
  const age = changedAt === null ? null : (now.getTime() - Date.parse(changedAt)) / 1000;
  const state = freshnessState(age, sla);
  if (state === "none") return null;
  const title = `warn after ${LIMIT(sla?.warnAfterSeconds ?? null)}, error after ${LIMIT(sla?.errorAfterSeconds ?? null)}`;
  const label =
    state === "unknown" ? "no data" : state === "ok" ? "on time" : state === "warn" ? "late" : "stale";
  return html` <span class="badge freshness-${state}" data-freshness="${state}" title="${title}">${label}</span>`;
}

function tableActions(pipeline: string, t: TableRow): Html {
  return html`<td class="actions">${actionLink(pipeline, "resync", "table", t.name, "Re-sync")}
  ${actionLink(pipeline, "backfill", "table", t.name, "Backfill…")}
  ${actionLink(pipeline, "watermark", "table", t.name, "Watermark…")}</td>`;
}

function tableRow(t: TableRow, now: Date, warehouseOk: boolean, actions: Html | null): Html {
  const l = t.landing;
  const b = t.bronze;
  const manifest = l?.manifest;
  const bronzeCells =
    b === null
      ? html`<td colspan="3" class="muted">${warehouseOk ? "not in bronze yet" : "warehouse unreachable"}${
          warehouseOk ? slaBadge(null, t.freshness, now) : null
        }</td>`
      : html`<td class="num">v${b.version}</td><td class="num">${rows(b.rows)}</td>
        <td data-measured-from="${b.changedAt ? "source" : "commit"}">${ago(b.changedAt ?? b.committedAt, now)}${
          b.changedAt ? html`<div class="muted small">committed ${ago(b.committedAt, now)}</div>` : null
        }${slaBadge(b.changedAt ?? b.committedAt, t.freshness, now)}</td>`;
  return html`<tr>
  <td><strong>${t.name}</strong><div class="muted small">${t.source} · ${t.mode}${
    t.cursor.length ? html` by ${t.cursor.join(", ")}` : null
  }</div></td>
  <td class="mono small">${l ? watermarkText(l.watermark) : html`<span class="muted">nothing landed yet</span>`}</td>
  <td>${
    l
      ? html`<span class="mono small">${l.batchId}</span><div class="small">${
          manifest?.ok
            ? manifest.value
              ? html`${count(manifest.value.rows)} rows · ${ago(manifest.value.createdAt, now)}`
              : html`<span class="warn">manifest missing</span>`
            : html`<span class="warn" title="${manifest?.ok === false ? manifest.message : ""}">landing zone unreachable</span>`
        }</div>`
      : html`<span class="muted">—</span>`
  }</td>
  <td class="num">${b ? count(b.appliedRows) : "—"}<div class="muted small">${b ? `${count(b.batches)} batches` : null}</div></td>
  ${bronzeCells}${actions}
</tr>`;
}

function modelRow(m: ModelRow, now: Date, warehouseOk: boolean, actions: Html | null): Html {
  if (m.checkpoint === null) {
    return html`<tr><td><strong>${m.name}</strong></td><td>${m.from}</td>
      <td colspan="3" class="muted">${warehouseOk ? "not merged yet" : "warehouse unreachable"}${
        warehouseOk ? slaBadge(null, m.freshness, now) : null
      }</td>${actions}</tr>`;
  }
  const behind = m.sourceVersion !== null ? m.sourceVersion - m.checkpoint : 0;
  return html`<tr><td><strong>${m.name}</strong></td><td>${m.from}</td>
  <td class="num">v${m.checkpoint}${behind > 0 ? html` <span class="warn small">${behind} behind</span>` : null}</td>
  <td class="num">${m.rows ? rows(m.rows) : html`<span class="muted">no table</span>`}</td>
  <td>${ago(m.updatedAt, now)}${slaBadge(m.changedAt ?? null, m.freshness, now)}</td>${actions}</tr>`;
}

/** Per table: rows and duration of its recent extract and bronze runs, and its freshness over them. */
function trendsTable(tables: TableRow[], now: Date): Html {
  return html`<table class="trends"><thead><tr>
  <th>Table</th><th>Rows landed per run</th><th>Extract duration</th><th>Changes applied per run</th>
  <th>Bronze duration</th><th>Freshness (age of the newest applied change)</th>
</tr></thead><tbody>${tables.map((t) => {
    const runs = t.trend ?? { extract: [], bronze: [] };
    const changes = runs.bronze
      .filter((r) => r.status === "success" && (r.rows ?? 0) > 0)
      .map((r) => r.finishedAt);
    return html`<tr data-table="${t.name}"><td><strong>${t.name}</strong></td>
  <td>${runsChart("rows", "extract", t.name, runs.extract)}</td>
  <td>${runsChart("duration", "extract", t.name, runs.extract)}</td>
  <td>${runsChart("rows", "bronze", t.name, runs.bronze)}</td>
  <td>${runsChart("duration", "bronze", t.name, runs.bronze)}</td>
  <td>${freshnessChart(t.name, changes, now, t.freshness)}</td></tr>`;
  })}</tbody></table>`;
}

/** A list of executions, newest first, each linking to its page. */
export function executionsTable(executions: Execution[], now: Date): Html {
  if (executions.length === 0) {
    return notice(
      "empty",
      "No executions yet",
      "Executions appear here once Airflow runs this pipeline's tasks.",
    );
  }
  return html`<table class="executions"><thead><tr>
  <th>Execution</th><th>Step</th><th>Table</th><th>Status</th><th>Created</th><th>Duration</th><th class="num">Rows</th>
</tr></thead><tbody>
${executions.map((e) => {
  const m = e.metrics ?? {};
  const n = (m.rows_landed ?? m.rows_read ?? null) as number | null;
  return html`<tr><td><a class="mono" href="/ui/executions/${e.id}">${e.id}</a></td><td>${e.step}${
    e.mode ? html` <span class="muted small">${e.mode.kind}</span>` : null
  }</td>
  <td>${e.table ?? html`source ${e.source}`}</td><td>${badge(e.status)}</td><td>${ago(e.created_at, now)}</td>
  <td>${took(e.started_at, e.finished_at, now)}</td><td class="num">${count(n)}</td></tr>`;
})}
</tbody></table>`;
}

/**
 * One pipeline: tables with watermark, landing, bronze and freshness; silver models; Airflow; executions; the
 * audit trail. With `operate` (the session's token has the scope) each table and model has its action buttons.
 */
export function pipelinePage(p: PipelineDetail, now: Date, options: { operate?: boolean } = {}): Html {
  const warehouseOk = p.warehouse.ok;
  const operate = options.operate === true && p.error === undefined;
  const actionsHead = operate ? html`<th>Actions</th>` : null;
  const tables =
    p.tables.length === 0
      ? notice("empty", "This pipeline has no tables")
      : html`<table class="tables"><thead><tr>
  <th>Table</th><th>Watermark</th><th>Last landed batch</th><th class="num">Landed rows</th>
  <th class="num">Bronze version</th><th class="num">Bronze rows</th><th>Freshness (newest source change applied)</th>${actionsHead}
</tr></thead><tbody>${p.tables.map((t) =>
          tableRow(t, now, warehouseOk, operate ? tableActions(p.name, t) : null),
        )}</tbody></table>`;
  const models =
    p.models.length === 0
      ? html`<p class="muted">No silver models.</p>`
      : html`<table class="models"><thead><tr>
  <th>Model</th><th>From</th><th class="num">Checkpoint</th><th class="num">Silver rows</th><th>Last merged</th>${actionsHead}
</tr></thead><tbody>${p.models.map((m) =>
          modelRow(
            m,
            now,
            warehouseOk,
            operate
              ? html`<td class="actions">${actionLink(p.name, "rebuild_silver", "model", m.name, "Rebuild")}</td>`
              : null,
          ),
        )}</tbody></table>`;
  const body = html`<h1>${p.name}</h1>
<p class="muted">${p.origin === "registered" ? "registered over the API" : p.file} · bronze <code>${p.bronzeSchema}</code>
  · silver <code>${p.silverSchema}</code></p>
${p.error ? notice("error", "The spec does not load", p.error) : null}
${p.warehouse.ok ? null : notice("warn", "The warehouse could not be reached", p.warehouse.message)}
<section><h2>Tables</h2>${tables}</section>
${p.tables.length > 0 ? html`<section><h2>Trends</h2>${trendsTable(p.tables, now)}</section>` : null}
<section><h2>Silver</h2>${models}</section>
<section><h2>Airflow</h2>${airflowSection(p.airflow, now)}</section>
<section><h2>Recent executions</h2>${executionsTable(p.executions, now)}</section>
<section><h2>Actions</h2>${auditTable(p.audit, now)}</section>`;
  return layout({ title: p.name, signedIn: true, trail: [{ label: p.name }], body });
}
