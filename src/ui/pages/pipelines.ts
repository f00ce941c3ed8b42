import { type Html, html } from "../html.ts";
import { ago, badge, layout, notice } from "../layout.ts";
import type { PipelineRow } from "../model.ts";
import { airflowCell } from "./airflow.ts";

const pipelineHref = (name: string) => `/ui/pipelines/${encodeURIComponent(name)}`;

/** The start page: every pipeline the service knows, with its Airflow DAG state and last execution. */
export function pipelinesPage(rows: PipelineRow[], now: Date): Html {
  const body =
    rows.length === 0
      ? notice(
          "empty",
          "No pipelines yet",
          html`Register a spec with <code>PUT /api/v1/pipelines/&lt;name&gt;</code>, put a YAML file in the
          service's specs folder, or run <code>smelter demo</code>.`,
        )
      : html`<table class="pipelines"><thead><tr>
  <th>Pipeline</th><th>Tables</th><th>Silver models</th><th>Airflow</th><th>Last execution</th>
</tr></thead><tbody>
${rows.map(
  (p) => html`<tr>
  <td><a href="${pipelineHref(p.name)}"><strong>${p.name}</strong></a><div class="muted small">${p.file}</div>
    ${p.error ? html`<div class="error small">spec does not load: ${p.error}</div>` : null}</td>
  <td class="num">${p.tables}</td>
  <td class="num">${p.models}</td>
  <td>${airflowCell(p.airflow, now)}</td>
  <td>${
    p.lastExecution
      ? html`<a href="/ui/executions/${p.lastExecution.id}">${badge(p.lastExecution.status)}</a>
        ${p.lastExecution.step} ${p.lastExecution.table ?? p.lastExecution.source}
        <div class="small">${ago(p.lastExecution.created_at, now)}</div>`
      : html`<span class="muted">none yet</span>`
  }</td>
</tr>`,
)}
</tbody></table>`;
  return layout({ title: "Pipelines", signedIn: true, body: html`<h1>Pipelines</h1>${body}` });
}
