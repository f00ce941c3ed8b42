import type { WebhookTarget } from "../config.ts";
import type { ServiceLog } from "../log.ts";
import type { FreshnessState } from "../spec/freshness.ts";
import type { Execution } from "../state/executions.ts";
import type { IncidentStore, OutboxMessage, PendingMessage } from "../state/incidents.ts";
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
  webhooks: readonly WebhookTarget[];
  links: LinkBases;
  log: ServiceLog;
  /** Values no body may contain (the log's list of known secrets). */
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

  constructor(private readonly options: NotifierOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * Records what a finished execution means for its step's incident (a failure opens one, a success resolves it)
   * and tells the schema changes of a success, each set of columns once.
   */
  async executionFinished(execution: Execution): Promise<void> {
    for (const change of schemaChanges(execution)) {
      await this.options.incidents.signal(
        "schema",
        schemaSubject(execution.pipeline, change),
        execution.pipeline,
        { level: "changed", severity: 1 },
        { execution_id: execution.id, ...change },
        (i) => this.messages(schemaEvent(execution, change, i, this.options.links)),
      );
    }
    const signal = executionSignal(execution);
    if (signal === undefined) return;
    const { transition, incident } = await this.options.incidents.signal(
      "execution",
      executionSubject(execution),
      execution.pipeline,
      signal,
      { execution_id: execution.id, status: execution.status, error: execution.error },
      (i) => this.messages(executionEvent(execution, i, this.options.links)),
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
    for (const change of changes) {
      const signal = freshnessSignal(change.to);
      if (signal === undefined) continue;
      const { transition } = await this.options.incidents.signal(
        "freshness",
        JSON.stringify([change.pipeline, change.kind, change.name]),
        change.pipeline,
        signal,
        { state: change.to, age_seconds: change.entry.ageSeconds },
        (i) => this.messages(freshnessEvent(change, i, this.options.links, at)),
      );
      if (transition === "open" || transition === "escalate" || transition === "resolve") news.push(change);
    }
    for (const subject of gone) await this.options.incidents.close("freshness", subject);
    return news;
  }

  private messages(event: NotificationEvent): OutboxMessage[] {
    return this.options.webhooks.map((w) => ({
      target: w.name,
      event: event.type,
      body: webhookBody(w.format, event, this.options.secrets),
    }));
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
    const target = this.options.webhooks.find((w) => w.name === message.target);
    if (!target) {
      const error = `webhook ${message.target} is no longer configured`;
      await incidents.attempted(message.id, { status: "undelivered", error });
      log.error({ ...fields, attempts: message.attempts }, `notification undelivered: ${error}`);
      return false;
    }
    let error: string;
    let retryable = true;
    try {
      const res = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        redirect: "error",
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        await incidents.attempted(message.id, { status: "delivered" });
        log.debug({ ...fields, attempts: message.attempts }, `notification delivered to ${target.name}`);
        return true;
      }
      error = `HTTP ${res.status}`;
      retryable = retryableStatus(res.status);
    } catch (caught) {
      // The cause of a failed fetch names the host at most, never the URL's path or query (where tokens live).
      const cause = (caught as Error & { cause?: { code?: string } }).cause?.code;
      error = (caught as Error).name === "TimeoutError" ? "timed out" : (cause ?? (caught as Error).name);
    }
    if (retryable && message.attempts < this.retry.attempts) {
      const retryInSeconds = retryDelaySeconds(message.attempts, this.retry);
      await incidents.attempted(message.id, { status: "retry", error, retryInSeconds });
      log.warn(
        { ...fields, attempts: message.attempts, retry_in_seconds: retryInSeconds },
        `notification to ${target.name} failed (${error}); trying again in ${retryInSeconds} s`,
      );
      return false;
    }
    await incidents.attempted(message.id, { status: "undelivered", error });
    log.error(
      { ...fields, attempts: message.attempts },
      `notification undelivered to ${target.name} after ${message.attempts} attempt(s): ${error}`,
    );
    return false;
  }
}
