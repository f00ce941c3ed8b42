import type { Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** What a graceful stop of one replica needs; each part is stopped in the order documented below. */
export interface ShutdownParts {
  server: Server;
  /** Stops claiming, waits up to the timeout for running executions, marks the rest interrupted. */
  worker: { readonly active: number; stop(timeoutMs: number): Promise<void> };
  /** Stops scheduling jobs; resolves once the runs in flight have ended. */
  stopJobs: () => Promise<void>;
  /** Closed last, after everything that could still query them has stopped (state DB, warehouse pools). */
  close: (() => Promise<void>)[];
  timeoutMs: number;
  say: (message: string) => void;
}

/**
 * Drains a replica: while running executions finish (up to `timeoutMs`) the server keeps answering status and
 * log reads, and new submits get 503 + Retry-After (the worker's `draining` flag, read by the API); then the
 * server stops, in-flight jobs get what is left of the timeout, and every pool is closed.
 */
export async function drainAndStop(parts: ShutdownParts): Promise<void> {
  const { say } = parts;
  const deadline = Date.now() + parts.timeoutMs;
  say(
    `draining: no new work; waiting up to ${parts.timeoutMs / 1000} s for ${parts.worker.active} execution(s)`,
  );
  const jobs = parts.stopJobs();
  await parts.worker.stop(parts.timeoutMs);
  const jobsLeft = await Promise.race([
    jobs.then(() => false),
    sleep(Math.max(0, deadline - Date.now())).then(() => true),
  ]);
  if (jobsLeft) say("draining: a scheduled job is still running; stopping without it");
  await new Promise<void>((resolve) => {
    parts.server.close(() => resolve());
    parts.server.closeIdleConnections();
    // Connections still busy (a long-poll) get a moment to finish their response, then are cut.
    setTimeout(() => parts.server.closeAllConnections(), 1000).unref();
  });
  for (const close of parts.close) await close().catch((e: Error) => say(`closing: ${e.message}`));
  say("stopped");
}
