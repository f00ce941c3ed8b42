import type { StepLineage } from "../../contracts/lineage.ts";
import { type Html, html } from "../html.ts";
import { ago, badge, count, duration, layout, notice, took } from "../layout.ts";
import type { ExecutionDetail } from "../model.ts";

const FINISHED = new Set(["success", "failed", "cancelled"]);

function metricValue(key: string, value: unknown): string {
  if (typeof value === "number") return key === "duration_ms" ? `${count(value)} ms` : count(value);
  return value === null || value === undefined
    ? "—"
    : typeof value === "string"
      ? value
      : JSON.stringify(value);
}

function metricsTable(metrics: Record<string, unknown> | null): Html {
  if (!metrics || Object.keys(metrics).length === 0) {
    return html`<p class="muted">No metrics yet: they are reported when the execution finishes.</p>`;
  }
  const { tables, steps, lineage, ...flat } = metrics as {
    tables?: Record<string, Record<string, unknown>>;
    steps?: Record<string, Record<string, unknown>>;
    lineage?: StepLineage;
  };
  const perTable = tables
    ? html`<h3>Per table</h3>${Object.entries(tables).map(
        ([name, m]) => html`<h4>${name}</h4>${metricsTable(m)}`,
      )}`
    : null;
  const perStep = steps
    ? html`<h3>Per step</h3>${Object.entries(steps).map(([name, m]) => {
        const { execution_id: id, ran_before: before, ...rest } = m;
        const link =
          typeof id === "string" ? html` <a class="mono" href="/ui/executions/${id}">${id}</a>` : null;
        const note = before ? html` <span class="muted">done by an earlier try; not run again</span>` : null;
        return html`<h4>${name}${link}${note}</h4>${Object.keys(rest).length > 0 ? metricsTable(rest) : null}`;
      })}`
    : null;
  return html`<table class="metrics"><tbody>${Object.entries(flat).map(
    ([k, v]) => html`<tr><th>${k.replaceAll("_", " ")}</th><td class="num">${metricValue(k, v)}</td></tr>`,
  )}</tbody></table>${lineage ? datasetsTable(lineage) : null}${perTable}${perStep}`;
}

/** The datasets a step read and wrote (its lineage): what, where, columns and rows written. */
function datasetsTable(lineage: StepLineage): Html {
  const rows = [
    ...lineage.inputs.map((d) => ({ role: "read", d })),
    ...lineage.outputs.map((d) => ({ role: "wrote", d })),
  ];
  return html`<table class="datasets"><thead><tr><th>dataset</th><th></th><th>layer</th><th>columns</th><th>rows written</th></tr></thead><tbody>${rows.map(
    ({ role, d }) =>
      html`<tr><td class="mono">${d.namespace}/${d.name}</td><td>${role}</td><td>${d.layer}</td><td class="num">${d.fields ? count(d.fields.length) : "—"}</td><td class="num">${d.rows === undefined ? "—" : count(d.rows)}</td></tr>`,
  )}</tbody></table>`;
}

/** One log line as the page shows it; the live-log script builds the same markup. */
export function logLine(line: { seq: number; ts: string; level: string; message: string }): Html {
  return html`<div class="line level-${line.level}" data-seq="${line.seq}"><span class="ts">${line.ts.slice(11, 23)}</span> <span class="lvl">${line.level}</span> ${line.message}</div>`;
}

/** Where a chunked load stands (the last report of a finished execution stays). */
function progressBlock(e: ExecutionDetail["execution"], live: boolean): Html | null {
  const p = e.progress;
  if (!p) return null;
  const eta = live && p.etaSeconds !== null ? html` · about ${duration(p.etaSeconds * 1000)} left` : null;
  const pct = p.chunksTotal > 0 ? Math.round((100 * p.chunksDone) / p.chunksTotal) : 0;
  return html`<section><h2>Progress</h2>
<p class="progress"><progress max="${p.chunksTotal}" value="${p.chunksDone}">${pct}%</progress>
  <strong>${p.chunksDone}/${p.chunksTotal}</strong> chunks of ${p.table} · ${count(p.rows)} rows this run ·
  ${count(p.rowsPerSecond)} rows/s${eta}</p></section>`;
}

/**
 * An execution: status, request, Airflow links, metrics, error and the live log; with `operate`, a failed or
 * cancelled one has its Re-run button.
 */
export function executionPage(d: ExecutionDetail, now: Date, options: { operate?: boolean } = {}): Html {
  const e = d.execution;
  const live = !FINISHED.has(e.status);
  const rerun =
    options.operate && (e.status === "failed" || e.status === "cancelled")
      ? html`<p><a class="button" data-action="rerun" href="/ui/executions/${e.id}/rerun">Re-run…</a>
  <span class="muted small">a new execution of the same request; this one is kept</span></p>`
      : null;
  const body = html`<h1>Execution <span class="mono">${e.id}</span> ${badge(e.status)}</h1>
<dl class="facts">
  <dt>Pipeline</dt><dd><a href="/ui/pipelines/${encodeURIComponent(e.pipeline)}">${e.pipeline}</a></dd>
  <dt>Step</dt><dd>${e.step}${e.mode ? html` <span class="badge">${e.mode.kind}</span>` : null}${
    e.downstream ? html` <span class="muted">and the later steps of the table</span>` : null
  }${e.chain ? html` <span class="muted">and the later steps of the table, each an execution of its own</span>` : null}</dd>
  <dt>${e.table !== null ? "Table" : "Source"}</dt><dd>${e.table ?? e.source}</dd>
  <dt>Created</dt><dd>${ago(e.created_at, now)}</dd>
  <dt>Started</dt><dd>${ago(e.started_at, now)}</dd>
  <dt>Finished</dt><dd>${e.finished_at ? ago(e.finished_at, now) : html`<span class="muted">${live ? "not yet" : "—"}</span>`}</dd>
  <dt>Duration</dt><dd>${took(e.started_at, e.finished_at, now)}</dd>
  <dt>Airflow</dt><dd>${
    e.airflow && d.airflow
      ? html`<a href="${d.airflow.task}" target="_top">task ${e.airflow.task_id}${
          e.airflow.map_index >= 0 ? `[${e.airflow.map_index}]` : ""
        } (try ${e.airflow.try_number})</a> in <a href="${d.airflow.run}" target="_top">run ${e.airflow.run_id}</a> of ${e.airflow.dag_id}`
      : e.airflow
        ? html`${e.airflow.dag_id} / ${e.airflow.run_id} / ${e.airflow.task_id}`
        : html`<span class="muted">not started by Airflow</span>`
  }</dd>
</dl>
${e.rerun_of ? html`<p class="muted">Re-runs <a href="/ui/executions/${e.rerun_of}">${e.rerun_of}</a>.</p>` : null}
${e.parent_id ? html`<p class="muted">A step of <a href="/ui/executions/${e.parent_id}">${e.parent_id}</a>, which runs the table's steps in one Airflow task.</p>` : null}
${progressBlock(e, live)}
${rerun}
${e.error ? notice("error", `${e.error.type}${e.error.retryable ? " (a retry may help)" : " (retrying will not help)"}`, e.error.message) : null}
<section><h2>Metrics</h2>${metricsTable(e.metrics)}</section>
<section><h2>Log ${live ? html`<span class="badge state-running" id="live">live</span>` : null}</h2>
<div id="log" class="log" data-execution="${e.id}" data-offset="${d.log.nextOffset}" data-live="${live ? "1" : "0"}">${
    d.log.lines.length === 0
      ? html`<div class="muted empty">No log lines yet.</div>`
      : d.log.lines.map(logLine)
  }</div></section>`;
  return layout({
    title: `Execution ${e.id}`,
    signedIn: true,
    trail: [{ label: e.pipeline, href: `/ui/pipelines/${encodeURIComponent(e.pipeline)}` }, { label: e.id }],
    body,
    script: "/ui/assets/log.js",
  });
}
