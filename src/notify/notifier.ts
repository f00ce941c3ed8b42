import type { WebhookTarget } from "../config.ts";
import { ConfigError } from "../errors.ts";
import type { ServiceLog } from "../log.ts";
import { withRemembered } from "../secrets.ts";
import type { FreshnessState } from "../spec/freshness.ts";
import { resolveWebhookUrl } from "../spec/resolve.ts";
import type { LoadedPipeline, PipelineSpec } from "../spec/types.ts";
import type { Execution } from "../state/executions.ts";
import type { IncidentStore, IncidentTransition, OutboxMessage, PendingMessage } from "../state/incidents.ts";
import {
  executionEvent,
  executionSignal,
  executionSubject,
  type FreshnessEventInput,
  freshnessEvent,
  freshnessSignal,
  type LinkBases,
  type NotificationEvent,
  schemaChanges,
  schemaEvent,
  schemaSubject,
} from "./events.ts";
import { webhookBody } from "./payload.ts";
import { parsePipelineTarget, recipients } from "./targets.ts";

/** How undelivered messages are tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included; default 5. */
  attempts: number;
  /** Seconds before the second attempt, doubling after each; default 4 (4 + 8 + 16 + 32: a minute). */
  baseSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseSeconds: 4 };

/** Seconds to wait after failed attempt number `attempt` (1-based). */
export const retryDelaySeconds = (attempt: number, policy: RetryPolicy): number =>
  policy.baseSeconds * 2 ** (attempt - 1);

/** Whether a webhook's HTTP status may succeed when sent again: timeouts, rate limits and server errors. */
export const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export interface NotifierOptions {
  incidents: IncidentStore;
  /** The service's webhooks (SMELTER_NOTIFY_WEBHOOKS): told of every pipeline's events they chose. */
  webhooks: readonly WebhookTarget[];
  /**
   * The spec of a pipeline, whose own webhooks (`notifications`) are told of its events; without it only the
   * service's webhooks are.
   */
  pipelines?: (name: string) => Promise<LoadedPipeline | undefined>;
  /** Environment the URLs of pipelines' webhooks are read from (`{env: …}`); default process.env. */
  env?: NodeJS.ProcessEnv;
  links: LinkBases;
  log: ServiceLog;
  /**
   * Values no body may contain (the log's list of known secrets); the secrets read through specs' references
   * since the start are added to them.
   */
  secrets: readonly string[];
  retry?: RetryPolicy;
  /** Budget of one delivery attempt; default 10 s. */
  timeoutMs?: number;
}

/**
 * Turns finished executions and freshness changes into incidents and their messages (written to the outbox in
 * the same transaction), and delivers the outbox to the webhooks. Telling never blocks an execution: the worker
 * only records; delivery happens in the notify job, with retries.
 */
export class Notifier {
  private readonly retry: RetryPolicy;
  private readonly secrets: () => readonly string[];

  constructor(private readonly options: NotifierOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.secrets = withRemembered(options.secrets);
  }

  /**
   * The spec whose webhooks are told of `pipeline`'s events; undefined (the service's webhooks only) when it is
   * unknown or does not load, which is logged.
   */
  private async specOf(pipeline: string): Promise<PipelineSpec | undefined> {
    if (!this.options.pipelines) return undefined;
    let spec: PipelineSpec | undefined;
    try {
      spec = (await this.options.pipelines(pipeline))?.spec;
    } catch (error) {
      this.options.log.warn(
        { pipeline },
        `pipeline ${pipeline}'s own webhooks are not told: its spec does not load (${(error as Error).message})`,
      );
      return undefined;
    }
    // Read the webhooks' URLs now, so that the bodies written for them are scrubbed of them too; a reference that
    // does not resolve is reported when its message is sent.
    for (const webhook of spec?.notifications ?? []) {
      try {
        resolveWebhookUrl(spec!, webhook, this.options.env ?? process.env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
      }
    }
    return spec;
  }

  /**
   * Records what a finished execution means for its step's incident (a failure opens one, a success resolves it)
   * and tells the schema changes of a success, each set of columns once.
   */
  async executionFinished(execution: Execution): Promise<void> {
    const changes = schemaChanges(execution);
    const signal = executionSignal(execution);
    if (changes.length === 0 && signal === undefined) return;
    const spec = await this.specOf(execution.pipeline);
    for (const change of changes) {
      await this.options.incidents.signal(
        "schema",
        schemaSubject(execution.pipeline, change),
        execution.pipeline,
        { level: "changed", severity: 1 },
        { execution_id: execution.id, ...change },
        (i, transition, told) =>
          this.messages(schemaEvent(execution, change, i, this.options.links), spec, transition, told),
      );
    }
    if (signal === undefined) return;
    const { transition, incident } = await this.options.incidents.signal(
      "execution",
      executionSubject(execution),
      execution.pipeline,
      signal,
      { execution_id: execution.id, status: execution.status, error: execution.error },
      (i, transition, told) =>
        this.messages(executionEvent(execution, i, this.options.links), spec, transition, told),
    );
    if (transition === "open" || transition === "resolve") {
      this.options.log.info(
        {
          pipeline: execution.pipeline,
          step: execution.step,
          execution_id: execution.id,
          incident: incident?.id,
        },
        `incident ${incident?.id} ${transition === "open" ? "opened" : "resolved"}: ${execution.step} of ${execution.table ?? execution.source} in ${execution.pipeline}`,
      );
    }
  }

  /** The freshness state of every open freshness incident, by subject (`freshnessSubject`). */
  async freshnessStates(): Promise<Map<string, FreshnessState>> {
    return (await this.options.incidents.openLevels("freshness")) as Map<string, FreshnessState>;
  }

  /**
   * Records freshness changes: into warn or error opens or escalates the incident, back to ok resolves it. The
   * incidents of `gone` subjects (no longer in the spec, or without an SLA) are closed without a message.
   * Answers the changes that were news (another replica may have recorded the same a moment ago).
   */
  async freshnessChanged<C extends FreshnessEventInput>(
    changes: readonly C[],
    gone: readonly string[],
    at: Date,
  ): Promise<C[]> {
    const news: C[] = [];
    const specs = new Map<string, PipelineSpec | undefined>();
    for (const change of changes) {
      const signal = freshnessSignal(change.to);
      if (signal === undefined) continue;
      if (!specs.has(change.pipeline)) specs.set(change.pipeline, await this.specOf(change.pipeline));
      const spec = specs.get(change.pipeline);
      const { transition } = await this.options.incidents.signal(
        "freshness",
        JSON.stringify([change.pipeline, change.kind, change.name]),
        change.pipeline,
        signal,
        { state: change.to, age_seconds: change.entry.ageSeconds },
        (i, transition, told) =>
          this.messages(freshnessEvent(change, i, this.options.links, at), spec, transition, told),
      );
      if (transition === "open" || transition === "escalate" || transition === "resolve") news.push(change);
    }
    for (const subject of gone) await this.options.incidents.close("freshness", subject);
    return news;
  }

  /**
   * The outbox messages of a told event: one per webhook it goes to (`recipients`); a resolve only to those told
   * of its incident before (`told`), so that no webhook gets a resolve without its alert.
   */
  private messages(
    event: NotificationEvent,
    spec: PipelineSpec | undefined,
    transition: IncidentTransition,
    told: ReadonlySet<string>,
  ): OutboxMessage[] {
    const to = recipients(event, this.options.webhooks, spec).filter(
      (r) => transition !== "resolve" || told.has(r.target),
    );
    return to.map((r) => ({
      target: r.target,
      event: event.type,
      body: webhookBody(r.format, event, this.secrets()),
    }));
  }

  /**
   * The URL a message goes to: a service webhook's, or a pipeline webhook's read from its spec's reference now
   * (so a corrected variable or file is used on the next attempt). Answers why not, and whether trying again may
   * help, when it cannot be had; never the URL in the reason.
   */
  private async urlOf(target: string): Promise<{ url: string } | { error: string; retryable: boolean }> {
    const own = parsePipelineTarget(target);
    if (own === undefined) {
      const webhook = this.options.webhooks.find((w) => w.name === target);
      return webhook
        ? { url: webhook.url }
        : { error: `webhook ${target} is no longer configured`, retryable: false };
    }
    let spec: PipelineSpec | undefined;
    try {
      spec = (await this.options.pipelines?.(own.pipeline))?.spec;
    } catch (error) {
      // A spec being edited may load again by the next attempt.
      return { error: `pipeline ${own.pipeline}: ${(error as Error).message}`, retryable: true };
    }
    const webhook = spec?.notifications.find((t) => t.name === own.name);
    if (!spec || !webhook) {
      return { error: `webhook ${target} is no longer in pipeline ${own.pipeline}'s spec`, retryable: false };
    }
    try {
      return { url: resolveWebhookUrl(spec, webhook, this.options.env ?? process.env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { error: `pipeline ${own.pipeline}: ${error.message}`, retryable: false };
    }
  }

  /**
   * Sends the due messages of the outbox, one attempt each; a failed attempt is due again after the policy's
   * delay, and after the last one the message is `undelivered` and logged. Answers how many were delivered.
   */
  async deliver(limit = 50): Promise<number> {
    const lease = Math.ceil((this.options.timeoutMs ?? 10_000) / 1000) + 50;
    let delivered = 0;
    for (;;) {
      const due = await this.options.incidents.claimDue(limit, lease);
      if (due.length === 0) return delivered;
      const outcomes = await Promise.all(due.map((m) => this.attempt(m)));
      // Another round: a message that waited for an earlier one of its incident (a resolve) may now be due.
      delivered += outcomes.filter(Boolean).length;
    }
  }

  private async attempt(message: PendingMessage): Promise<boolean> {
    const { incidents, log } = this.options;
    const fields = { target: message.target, event: message.event, notification: message.id };
    const destination = await this.urlOf(message.target);
    const outcome = "url" in destination ? await this.post(destination.url, message) : destination;
    if (outcome === "delivered") {
      await incidents.attempted(message.id, { status: "delivered" });
      log.debug({ ...fields, attempts: message.attempts }, `notification delivered to ${message.target}`);
      return true;
    }
    const { error, retryable } = outcome;
    if (retryable && message.attempts < this.retry.attempts) {
      const retryInSeconds = retryDelaySeconds(message.attempts, this.retry);
      await incidents.attempted(message.id, { status: "retry", error, retryInSeconds });
      log.warn(
        { ...fields, attempts: message.attempts, retry_in_seconds: retryInSeconds },
        `notification to ${message.target} failed (${error}); trying again in ${retryInSeconds} s`,
      );
      return false;
    }
    await incidents.attempted(message.id, { status: "undelivered", error });
    log.error(
      { ...fields, attempts: message.attempts },
      `notification undelivered to ${message.target} after ${message.attempts} attempt(s): ${error}`,
    );
    return false;
  }

  /** One POST of a message's body to `url`: delivered, or why not and whether trying again may help. */
  private async post(
    url: string,
    message: PendingMessage,
  ): Promise<"delivered" | { error: string; retryable: boolean }> {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        redirect: "error",
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return "delivered";
      return { error: `HTTP ${res.status}`, retryable: retryableStatus(res.status) };
    } catch (caught) {
      // The cause of a failed fetch names the host at most, never the URL's path or query (where tokens live).
      const cause = (caught as Error & { cause?: { code?: string } }).cause?.code;
      const error =
        (caught as Error).name === "TimeoutError" ? "timed out" : (cause ?? (caught as Error).name);
      return { error, retryable: true };
    }
  }
}
