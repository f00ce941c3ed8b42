import type { AuditEntry } from "../../state/audit.ts";
import { type Html, html } from "../html.ts";
import { ago, badge, layout, notice } from "../layout.ts";

/*
 * The pages of the recovery actions: a form for the values an action needs (backfill range, watermark), the
 * confirmation that says exactly what will happen, the outcome, and the audit trail shown on the pipeline page.
 */

/** The titles of the actions, as buttons and headings say them. */
export const ACTION_TITLES: Record<string, string> = {
  resync: "Re-sync",
  backfill: "Backfill",
  set_watermark: "Set watermark",
  reset_watermark: "Reset watermark",
  watermark: "Watermark",
  rebuild_silver: "Rebuild silver",
  rerun: "Re-run",
};

/** Where an action page sits: the pipeline (and its page), and what the action names. */
export interface ActionPlace {
  pipeline: string;
  target: string;
}

const trail = (p: ActionPlace, label: string) => [
  { label: p.pipeline, href: `/ui/pipelines/${encodeURIComponent(p.pipeline)}` },
  { label },
];

/** The values a backfill or a watermark needs, asked before the confirmation. */
export function actionFormPage(
  place: ActionPlace,
  kind: "backfill" | "watermark",
  options: { cursor: string[]; key: string[]; current: string; error?: string },
): Html {
  const fields =
    kind === "backfill"
      ? html`<label for="by">Range of</label>
  <select id="by" name="by"><option value="cursor">cursor (${options.cursor.join(", ") || "none"})</option>
    <option value="key">primary key (${options.key.join(", ")})</option></select>
  <label for="from">From (inclusive; empty: from the start)</label><input id="from" name="from" type="text">
  <label for="to">To (exclusive; empty: to the end)</label><input id="to" name="to" type="text">`
      : html`<p>Current watermark: <code>${options.current}</code></p>
  <label for="watermark">New watermark (${options.cursor.join(", ")}); several columns as a JSON array</label>
  <input id="watermark" name="watermark" type="text">
  <label class="check"><input type="checkbox" name="reset" value="1"> Reset instead: the next extract reloads the table</label>`;
  const body = html`<div class="action card">
<h1>${ACTION_TITLES[kind]} · ${place.target}</h1>
${options.error ? notice("error", "That does not fit the table", options.error) : null}
<form method="get" action="">
  <input type="hidden" name="table" value="${place.target}">
  ${fields}
  <button type="submit" id="review">Review</button>
</form>
<p class="muted small">The next page says exactly what will happen; nothing is done before you confirm.</p>
</div>`;
  return layout({
    title: `${ACTION_TITLES[kind]} ${place.target}`,
    signedIn: true,
    trail: trail(place, kind),
    body,
  });
}

/** The confirmation: the sentence of what will happen, and the button that does it (a POST). */
export function confirmPage(
  place: ActionPlace,
  options: {
    kind: string;
    description: string;
    action: string;
    fields: Record<string, string>;
    csrf: string;
    back: string;
  },
): Html {
  const title = ACTION_TITLES[options.kind] ?? options.kind;
  const body = html`<div class="action card">
<h1>${title} · ${place.target}?</h1>
<h2>What will happen</h2>
<p class="what" id="what">${options.description}</p>
<form method="post" action="${options.action}">
  ${Object.entries(options.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
  <input type="hidden" name="csrf" value="${options.csrf}">
  <button type="submit" class="danger" id="confirm">${title}</button>
  <a class="cancel" href="${options.back}">Cancel</a>
</form>
<p class="muted small">Recorded in the audit trail under your token's name.</p>
</div>`;
  return layout({ title: `${title} ${place.target}?`, signedIn: true, trail: trail(place, title), body });
}

/** What an action came to: accepted (with its execution), done, or refused (nothing was done). */
export function actionResultPage(
  place: ActionPlace,
  options: { kind: string; status: "accepted" | "done" | "refused"; message: string; executionId?: string },
): Html {
  const title = ACTION_TITLES[options.kind] ?? options.kind;
  const heading =
    options.status === "refused"
      ? notice("warn", `${title} refused: nothing was done`, options.message)
      : html`<div class="notice notice-empty" id="outcome"><strong>${
          options.status === "accepted" ? `${title} accepted` : `${title} done`
        }</strong><p>${options.message}</p></div>`;
  const body = html`<h1>${title} · ${place.target}</h1>
${heading}
<p>${
    options.executionId
      ? html`<a href="/ui/executions/${options.executionId}" id="execution">Follow execution ${options.executionId}</a> · `
      : null
  }<a href="/ui/pipelines/${encodeURIComponent(place.pipeline)}">Back to ${place.pipeline}</a></p>`;
  return layout({ title: `${title} ${place.target}`, signedIn: true, trail: trail(place, title), body });
}

/** The audit trail of a pipeline: who did what, when, and how it ended. */
export function auditTable(entries: AuditEntry[], now: Date): Html {
  if (entries.length === 0)
    return html`<p class="muted">No actions yet: re-syncs, backfills, watermark changes, rebuilds and re-runs appear here.</p>`;
  return html`<table class="audit"><thead><tr>
  <th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Outcome</th><th>Detail</th>
</tr></thead><tbody>${entries.map(
    (e) => html`<tr><td>${ago(e.at, now)}</td><td>${e.actor} <span class="muted small">(${e.via})</span></td>
  <td>${ACTION_TITLES[e.action] ?? e.action}${e.params ? html`<div class="mono small">${JSON.stringify(e.params)}</div>` : null}</td>
  <td>${e.target ?? "—"}</td><td>${badge(e.outcome)}${
    e.execution_id
      ? html`<div class="small"><a class="mono" href="/ui/executions/${e.execution_id}">${e.execution_id}</a></div>`
      : null
  }</td><td class="small">${e.detail ?? ""}</td></tr>`,
  )}</tbody></table>`;
}
