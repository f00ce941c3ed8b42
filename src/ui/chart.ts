import type { FreshnessSla } from "../spec/types.ts";
import { type Html, html } from "./html.ts";
import { count, duration } from "./layout.ts";
import type { RunPoint } from "./model.ts";

/**
 * Server-rendered SVG charts of a table's recent runs: rows and duration per run (bars, oldest on the left) and
 * freshness over time (the age of the newest applied change, a saw tooth that drops at each change). Every mark
 * carries its number in a `data-` attribute and a tooltip, so the chart can be read without the picture.
 */

const WIDTH = 160;
const HEIGHT = 36;
/** Room above the tallest mark. */
const HEADROOM = 1.1;

const fixed = (n: number): string => (Math.round(n * 10) / 10).toString();

function frame(kind: string, table: string, label: string, points: number, body: Html[]): Html {
  return html`<svg class="chart chart-${kind}" data-chart="${kind}" data-table="${table}" data-points="${points}"
  viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${label}">
<title>${label}</title>${body}</svg>`;
}

/**
 * Bars of one number per run (`rows`: rows landed or changes applied; `duration`: milliseconds), a failed run as a
 * short red bar at the baseline. Empty when there is no run yet.
 */
export function runsChart(
  kind: "rows" | "duration",
  step: string,
  table: string,
  runs: readonly RunPoint[],
): Html {
  if (runs.length === 0) return html`<span class="muted small">no runs yet</span>`;
  const value = (r: RunPoint): number | null => (kind === "rows" ? r.rows : r.ms);
  const max = Math.max(1, ...runs.map((r) => value(r) ?? 0)) * HEADROOM;
  const slot = WIDTH / runs.length;
  const bars = runs.map((r, i) => {
    const v = value(r);
    const failed = r.status !== "success";
    const h = failed ? 3 : Math.max(1, ((v ?? 0) / max) * HEIGHT);
    const shown = kind === "rows" ? `${count(v)} rows` : duration(r.ms);
    return html`<rect class="bar ${failed ? "failed" : "ok"}" data-execution="${r.id}" data-value="${v ?? ""}"
  data-status="${r.status}" x="${fixed(i * slot + slot * 0.1)}" y="${fixed(HEIGHT - h)}" width="${fixed(slot * 0.8)}"
  height="${fixed(h)}"><title>${r.finishedAt}: ${failed ? r.status : shown}</title></rect>`;
  });
  const label = `${kind === "rows" ? "rows" : "duration"} of the last ${runs.length} ${step} runs`;
  return frame(`${step}-${kind}`, table, label, runs.length, bars);
}

/**
 * Freshness over the window of `changes` (times a change was applied, oldest first) up to `now`: the age of the
 * newest applied change at each moment, with the SLA's warn and error ages as lines when it has them.
 */
export function freshnessChart(
  table: string,
  changes: readonly string[],
  now: Date,
  sla: FreshnessSla | undefined,
): Html {
  if (changes.length === 0) return html`<span class="muted small">no change applied yet</span>`;
  const times = changes.map((c) => Date.parse(c));
  const start = times[0] as number;
  const end = Math.max(now.getTime(), start + 1);
  // At each change the age drops to zero; just before it, it was the time since the change before.
  const ages: [number, number][] = [[start, 0]];
  for (let i = 1; i < times.length; i++) {
    const t = times[i] as number;
    ages.push([t, (t - (times[i - 1] as number)) / 1000], [t, 0]);
  }
  ages.push([end, (end - (times.at(-1) as number)) / 1000]);
  const limits = [sla?.warnAfterSeconds ?? null, sla?.errorAfterSeconds ?? null];
  const top = Math.max(1, ...ages.map(([, a]) => a), ...limits.map((l) => l ?? 0)) * HEADROOM;
  const x = (t: number) => fixed(((t - start) / (end - start)) * WIDTH);
  const y = (age: number) => fixed(HEIGHT - (age / top) * HEIGHT);
  const line = ages.map(([t, a]) => `${x(t)},${y(a)}`).join(" ");
  const peaks = ages.filter((_, i) => i > 0 && i % 2 === 1).map(([, a]) => Math.round(a));
  const body = [
    ...limits.map((l, i) =>
      l === null
        ? null
        : html`<line class="limit ${i === 0 ? "warn" : "error"}" data-seconds="${l}" x1="0" x2="${WIDTH}" y1="${y(l)}" y2="${y(l)}"><title>${i === 0 ? "warn" : "error"} after ${duration(l * 1000)}</title></line>`,
    ),
    html`<polyline class="age" data-changes="${changes.length}" data-ages="${peaks.join(",")}" points="${line}"/>`,
  ].filter((part): part is Html => part !== null);
  return frame("freshness", table, `freshness over the last ${changes.length} changes`, changes.length, body);
}
