import type { WebhookTarget } from "../config.ts";
import type { NotificationTarget, PipelineSpec } from "../spec/types.ts";
import type { WebhookFormat } from "../webhooks.ts";
import type { NotificationEvent } from "./events.ts";

/*
 * Which webhooks an event goes to: every webhook of the service (SMELTER_NOTIFY_WEBHOOKS) that chose its type, and
 * every webhook of the event's pipeline (the spec's `notifications`) that chose its type and its table or model.
 * The outbox names a service webhook by its name and a pipeline's as `<pipeline>/<name>` (names hold no `/`), so
 * the two never clash.
 */

/** A webhook an event is written to the outbox for: the outbox's name of it and the body's format. */
export interface Recipient {
  target: string;
  format: WebhookFormat;
}

/** The outbox's name of a pipeline's webhook. */
export const pipelineTarget = (pipeline: string, name: string): string => `${pipeline}/${name}`;

/** The pipeline and webhook name of an outbox target, or undefined for a webhook of the service. */
export function parsePipelineTarget(target: string): { pipeline: string; name: string } | undefined {
  const slash = target.indexOf("/");
  return slash < 0 ? undefined : { pipeline: target.slice(0, slash), name: target.slice(slash + 1) };
}

/**
 * Whether a pipeline webhook's choice of tables and models covers the event: its table, or its model (a silver
 * step's `table` is the model), or for a task covering a whole source, any chosen table the source holds.
 */
export function covers(target: NotificationTarget, spec: PipelineSpec, event: NotificationEvent): boolean {
  const only = target.only;
  if (only === null) return true;
  if (event.model !== undefined) return only.models.includes(event.model);
  if (event.table !== undefined) {
    return event.step === "silver" ? only.models.includes(event.table) : only.tables.includes(event.table);
  }
  if (event.source !== undefined) {
    return spec.tables.some((t) => t.source === event.source && only.tables.includes(t.name));
  }
  return false;
}

/** The webhooks `event` goes to: the service's that chose its type, then those of `spec` it concerns. */
export function recipients(
  event: NotificationEvent,
  service: readonly WebhookTarget[],
  spec: PipelineSpec | undefined,
): Recipient[] {
  const own = spec?.name === event.pipeline ? spec.notifications : [];
  return [
    ...service
      .filter((w) => w.events === undefined || w.events.includes(event.type))
      .map((w) => ({ target: w.name, format: w.format })),
    ...own
      .filter((t) => t.events.includes(event.type) && covers(t, spec!, event))
      .map((t) => ({ target: pipelineTarget(event.pipeline, t.name), format: t.format })),
  ];
}
