import { type Html, html } from "../html.ts";
import { ago, badge, notice } from "../layout.ts";
import type { AirflowPanel, DagSummary } from "../model.ts";

/** The state of one DAG in a line: active/paused/missing, import errors. */
export function dagState(dag: DagSummary): Html {
  if (!dag.exists) return html`<span class="badge state-missing">not in Airflow</span>`;
  return html`${badge(dag.paused ? "paused" : "active")}${dag.importErrors ? html` ${badge("import_errors")}` : null}`;
}

/** Short Airflow summary for the pipelines list: DAG state and the latest run of each DAG. */
export function airflowCell(panel: AirflowPanel, now: Date): Html {
  if (!panel.configured) return html`<span class="muted">Airflow not configured</span>`;
  if (!panel.dags.ok)
    return html`<span class="warn" title="${panel.dags.message}">Airflow unreachable</span>`;
  return html`${panel.dags.value.map((dag) => {
    const last = dag.runs[0];
    return html`<div class="dag"><a href="${dag.url}" target="_top">${dag.dagId}</a> ${dagState(dag)}
      ${last ? html`<span class="run">last run <a href="${last.url}" target="_top">${badge(last.state)}</a> ${ago(last.startDate, now)}</span>` : html`<span class="muted">no runs yet</span>`}</div>`;
  })}`;
}

/** The Airflow section of a pipeline page: every DAG with its recent runs. */
export function airflowSection(panel: AirflowPanel, now: Date): Html {
  if (!panel.configured) {
    return notice(
      "empty",
      "Airflow is not configured",
      "Set SMELTER_AIRFLOW_URL to see DAG state and runs here.",
    );
  }
  if (!panel.dags.ok) return notice("warn", "Airflow could not be reached", panel.dags.message);
  return html`${panel.dags.value.map(
    (dag) => html`<div class="card">
  <h3><a href="${dag.url}" target="_top">${dag.dagId}</a> ${dagState(dag)}</h3>
  ${
    dag.runs.length === 0
      ? html`<p class="muted">No runs yet.</p>`
      : html`<table><thead><tr><th>Run</th><th>State</th><th>Started</th><th>Ended</th></tr></thead><tbody>
    ${dag.runs.map(
      (r) => html`<tr><td><a href="${r.url}" target="_top">${r.runId}</a></td><td>${badge(r.state)}</td>
      <td>${ago(r.startDate, now)}</td><td>${ago(r.endDate, now)}</td></tr>`,
    )}</tbody></table>`
  }
</div>`,
  )}`;
}
