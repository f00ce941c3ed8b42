import { scrub } from "../log.ts";
import type { WebhookFormat } from "../webhooks.ts";
import type { NotificationEvent } from "./events.ts";

/** Slack's limit on a section's text is 3000 characters; an error message may be longer. */
const SLACK_TEXT_LIMIT = 2900;

/** Text for Slack's mrkdwn: `&`, `<` and `>` are its control characters. */
const mrkdwn = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const clip = (text: string): string =>
  text.length > SLACK_TEXT_LIMIT ? `${text.slice(0, SLACK_TEXT_LIMIT)}…` : text;

/** The notification line of a phone or a desktop shows a few hundred characters at most. */
const short = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

const TITLES: Record<NotificationEvent["type"], string> = {
  "execution.failed": ":red_circle: Execution failed",
  "execution.recovered": ":large_green_circle: Execution recovered",
  "freshness.warn": ":large_yellow_circle: Freshness warn",
  "freshness.error": ":red_circle: Freshness error",
  "freshness.recovered": ":large_green_circle: Freshness recovered",
  "schema.changed": ":large_blue_circle: Schema changed",
};

/**
 * A Slack incoming-webhook message (`text` for notifications and clients without blocks, `blocks` for the
 * message itself): a title and summary, the subject's fields, the error, and links.
 */
export function slackBody(event: NotificationEvent): { text: string; blocks: unknown[] } {
  const fields: [string, string][] = [["Pipeline", event.pipeline]];
  if (event.table !== undefined) fields.push(["Table", event.table]);
  if (event.model !== undefined) fields.push(["Model", event.model]);
  if (event.source !== undefined) fields.push(["Source", event.source]);
  if (event.step !== undefined) fields.push(["Step", event.step]);
  if (event.execution?.attempt != null) fields.push(["Try", String(event.execution.attempt)]);
  if (event.error) {
    fields.push(["Error", `${event.error.type} (${event.error.retryable ? "retryable" : "not retryable"})`]);
  }
  if (event.columns?.added.length) fields.push(["Columns added", event.columns.added.join(", ")]);
  if (event.columns?.rescued.length) fields.push(["Values rescued", event.columns.rescued.join(", ")]);
  if (event.freshness?.age_seconds != null) {
    fields.push(["Age", `${(event.freshness.age_seconds / 3600).toFixed(1)} h`]);
  }
  const links = [
    event.links.execution ? `<${event.links.execution}|execution>` : null,
    event.links.airflow ? `<${event.links.airflow}|Airflow task>` : null,
    `<${event.links.pipeline}|pipeline>`,
  ].filter((l): l is string => l !== null);
  const blocks: unknown[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: clip(`*${TITLES[event.type]}*\n${mrkdwn(event.summary)}`) },
    },
    {
      type: "section",
      fields: fields.map(([name, value]) => ({ type: "mrkdwn", text: `*${name}*\n${mrkdwn(value)}` })),
    },
  ];
  if (event.error) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: clip(`\`\`\`${mrkdwn(event.error.message)}\`\`\``) },
    });
  }
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: `${links.join(" · ")} · incident ${event.incident.id} opened ${event.incident.opened_at}`,
      },
    ],
  });
  const error = event.error ? `: ${event.error.type}: ${short(event.error.message)}` : "";
  return { text: `${TITLES[event.type].replace(/^:[a-z_]+: /, "")}: ${event.summary}${error}`, blocks };
}

/**
 * The body a webhook of `format` receives for `event`, scrubbed of every secret the service knows (the last
 * guard: an error message quoting a connection URL, say), as the log is.
 */
export function webhookBody(
  format: WebhookFormat,
  event: NotificationEvent,
  secrets: readonly string[],
): unknown {
  const body = format === "slack" ? slackBody(event) : event;
  return JSON.parse(scrub(JSON.stringify(body), secrets));
}
