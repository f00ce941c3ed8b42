/*
 * The vocabulary of webhook notifications, shared by the service's configuration (SMELTER_NOTIFY_WEBHOOKS) and
 * the spec's `notifications`: kept apart from both so that loading a spec does not load the service's settings.
 */

/** The body a webhook receives: Slack's incoming-webhook message, or smelter's own JSON event. */
export type WebhookFormat = "slack" | "json";

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ["slack", "json"];

/**
 * What a notification tells (its `type`): a step failed or works again, a table or model fell behind its freshness
 * SLA (warn, error) or caught up, bronze added or rescued columns. A webhook may choose among them.
 */
export const NOTIFICATION_EVENTS = [
  "execution.failed",
  "execution.recovered",
  "freshness.warn",
  "freshness.error",
  "freshness.recovered",
  "schema.changed",
] as const;

export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

/** Recoveries and the alerts they recover from: a resolve goes only to webhooks that were told the incident. */
const RECOVERS: readonly [NotificationEventType, readonly NotificationEventType[]][] = [
  ["execution.recovered", ["execution.failed"]],
  ["freshness.recovered", ["freshness.warn", "freshness.error"]],
];

/**
 * Why a choice of events cannot work, or null: a recovery chosen without any alert it recovers from would never
 * be sent.
 */
export function eventChoiceProblem(events: readonly NotificationEventType[]): string | null {
  for (const [recovered, alerts] of RECOVERS) {
    if (events.includes(recovered) && !alerts.some((a) => events.includes(a))) {
      return `${recovered} is sent only to webhooks that were told the incident: add ${alerts.join(" or ")}`;
    }
  }
  return null;
}
