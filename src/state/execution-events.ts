import type pg from "pg";
import { pgClient } from "../db/pg.ts";
import type { ExecutionStatus } from "./executions.ts";

/** Channel the state database announces execution status changes on (migration 005). */
export const EXECUTIONS_CHANNEL = "smelter_executions";
/** Pause before listening again after the listening connection was lost. */
const RECONNECT_MS = 1000;

type Waiter = () => void;

/**
 * Status changes of executions as the state database announces them (LISTEN on `smelter_executions`), whichever
 * replica made them. One connection of its own, opened on first use and reopened after it is lost; every
 * reconnect wakes all waiters, since changes made meanwhile were not announced to this replica.
 * Callers still re-read the row: a notification only says when to look.
 */
export class ExecutionEvents {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly queuedListeners = new Set<() => void>();

  constructor(private readonly options: pg.ClientConfig) {}

  /** True while notifications arrive; otherwise callers should re-read more often. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Calls `listener` whenever an execution is queued (a submit on any replica). Returns the unsubscribe. */
  onQueued(listener: () => void): () => void {
    this.queuedListeners.add(listener);
    this.ensureListening();
    return () => this.queuedListeners.delete(listener);
  }

  /**
   * Resolves when execution `id` is announced to have changed, when `ms` pass, or when `signal` aborts,
   * whichever comes first.
   */
  changed(id: string, ms: number, signal?: AbortSignal): Promise<void> {
    this.ensureListening();
    return new Promise<void>((resolve) => {
      const set = this.waiters.get(id) ?? new Set<Waiter>();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
      if (signal?.aborted) done();
      else signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Stops listening and releases every waiter. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    const client = this.client;
    this.client = undefined;
    await this.connecting?.catch(() => {});
    await client?.end().catch(() => {});
  }

  private ensureListening(): void {
    if (this.closed || this.client || this.connecting) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  private async connect(): Promise<void> {
    const client = pgClient(this.options, { application: "smelter-events" });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      this.wakeAll();
      this.retryLater();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (message) => {
      if (message.channel !== EXECUTIONS_CHANNEL || !message.payload) return;
      const [id, status] = message.payload.split(" ") as [string, ExecutionStatus | undefined];
      for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
      if (status === "queued") for (const listener of this.queuedListeners) listener();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EXECUTIONS_CHANNEL}`);
    } catch {
      client.end().catch(() => {});
      this.retryLater();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    // Whatever changed before LISTEN took effect was not announced: have everyone look again.
    this.wakeAll();
  }

  private retryLater(): void {
    if (this.closed) return;
    setTimeout(() => this.ensureListening(), RECONNECT_MS).unref();
  }

  private wakeAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
    for (const listener of this.queuedListeners) listener();
  }
}
