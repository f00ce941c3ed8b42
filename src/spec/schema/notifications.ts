import { type Static, Type } from "@sinclair/typebox";
import { NOTIFICATION_EVENTS, WEBHOOK_FORMATS } from "../../webhooks.ts";
import { define, Enum, MapOf, ref } from "./builders.ts";
import { Identifier, SecretRef } from "./common.ts";

/*
 * `notifications`: webhooks of this pipeline, each told of the pipeline's failures, recoveries, freshness changes
 * and schema changes (or of the events and tables it chooses), besides the service's own webhooks.
 */

export const WebhookName = define(
  "webhookName",
  Type.String({
    pattern: "^[a-z0-9_-]{1,63}$",
    "x-expected": "a webhook name (1 to 63 lower-case letters, digits, _ and -)",
  }),
);

export const NotificationEvent = define(
  "notificationEvent",
  Enum(NOTIFICATION_EVENTS, { description: "An event type (docs/observability.md#events)." }),
);

export const Webhook = define(
  "webhook",
  Type.Object(
    {
      format: Enum(WEBHOOK_FORMATS, {
        description: "slack: Slack's incoming-webhook message {text, blocks}; json: smelter's JSON event.",
      }),
      url: ref(SecretRef, {
        description:
          "The webhook's URL; it is its own credential (a token in the path or query), so it is a secret reference.",
      }),
      events: Type.Optional(
        Type.Array(ref(NotificationEvent), {
          minItems: 1,
          uniqueItems: true,
          "x-expected": "a non-empty list of event types",
          description: "The events it receives; default every event.",
        }),
      ),
      tables: Type.Optional(
        Type.Array(ref(Identifier), {
          uniqueItems: true,
          "x-expected": "a list of table names of this spec",
          description:
            "Only the events of these tables (and of tasks covering their sources); with `models`, of those too. Default: every table and model.",
        }),
      ),
      models: Type.Optional(
        Type.Array(ref(Identifier), {
          uniqueItems: true,
          "x-expected": "a list of silver model names of this spec",
          description: "Only the events of these silver models; with `tables`, of those too.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

export const Notifications = define(
  "notifications",
  MapOf(ref(WebhookName), ref(Webhook), {
    description:
      "Webhooks told of this pipeline's events, by name; the service's own webhooks (SMELTER_NOTIFY_WEBHOOKS) are told too.",
    "x-expected": "a map of named webhooks",
  }),
);

export type RawWebhook = Static<typeof Webhook>;
export type RawNotifications = Static<typeof Notifications>;
