import { type Html, type HtmlValue, html } from "./html.ts";

/** The frame of every page: title, stylesheet, top bar with the pipelines link and logout. */
export function layout(options: {
  title: string;
  body: HtmlValue;
  /** Breadcrumbs after "pipelines", each a link or plain text. */
  trail?: { label: string; href?: string }[];
  signedIn?: boolean;
  script?: string;
}): Html {
  const crumbs = (options.trail ?? []).map(
    (c) => html` <span class="sep">/</span> ${c.href ? html`<a href="${c.href}">${c.label}</a>` : c.label}`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · smelter</title>
<link rel="stylesheet" href="/ui/assets/ui.css">
</head>
<body>
<header class="top">
  <nav><a class="brand" href="/ui/">smelter</a>${crumbs}</nav>
  ${
    options.signedIn
      ? html`<form method="post" action="/ui/logout"><button class="link" type="submit">Sign out</button></form>`
      : null
  }
</header>
<main>
${options.body}
</main>
${options.script ? html`<script src="${options.script}" defer></script>` : null}
</body>
</html>
`;
}

/** A coloured label for an execution, task or DAG run state. */
export function badge(state: string | null): Html {
  const s = state ?? "none";
  return html`<span class="badge state-${s.replace(/[^a-z_]/g, "")}">${s.replaceAll("_", " ")}</span>`;
}

/** A panel saying something could not be shown and why: designed, not a stack trace. */
export function notice(kind: "empty" | "warn" | "error", title: string, detail?: HtmlValue): Html {
  return html`<div class="notice notice-${kind}"><strong>${title}</strong>${detail ? html`<p>${detail}</p>` : null}</div>`;
}

/** Thousands separators; "—" for an unknown number. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

/** A duration in the largest sensible unit: 850 ms, 12.3 s, 4 min 05 s, 3 h 20 min, 2 d 4 h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "3 min 05 s ago", with the exact time as a tooltip; "never" when there is no time. */
export function ago(iso: string | null | undefined, now: Date): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  const ms = now.getTime() - new Date(iso).getTime();
  return html`<time datetime="${iso}" title="${iso}">${ms < 1000 ? "just now" : `${duration(ms)} ago`}</time>`;
}

/** How long something took (or has been running), or "—". */
export function took(start: string | null, end: string | null, now: Date): string {
  if (!start) return "—";
  return duration((end ? new Date(end) : now).getTime() - new Date(start).getTime());
}
