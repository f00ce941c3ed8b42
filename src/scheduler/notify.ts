import type { Job } from "./index.ts";

/**
 * Notify: delivers the notifications waiting in the outbox (failures, recoveries, freshness changes) to their
 * webhooks, retrying failed attempts with backoff; see src/notify/notifier.ts.
 */
export function notifyJob(
  schedule: string,
  deps: { deliver: () => Promise<number>; say: (message: string) => void },
): Job {
  return {
    name: "notify",
    schedule,
    run: async () => {
      const delivered = await deps.deliver();
      if (delivered > 0) deps.say(`delivered ${delivered} notification(s)`);
    },
  };
}
