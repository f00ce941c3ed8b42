import { CancelledError } from "../errors.ts";

/** How long a drain may go without anything from the server before it gives up (the server is stuck or gone). */
const IDLE_MS = 60_000;

/** How one drain of a source's log ends. */
export interface DrainEnd {
  /** Resolved when the drain reached its head; rejected with the reason it stopped otherwise. */
  readonly done: Promise<void>;
  /** Whether the drain has ended. */
  readonly settled: boolean;
  /** Ends the drain: at its head without `error`, failed with it. Only the first call counts. */
  finish(error?: unknown): void;
  /** Starts the idle timer again: something arrived from the server. */
  armIdle(): void;
}

/**
 * The end of one drain of a change log, settled once: by the reader's `finish`, by the execution's `signal` (a
 * CancelledError), or by 60 s without `armIdle` (the error `quiet(seconds)` makes, retryable). `stop` runs once
 * when the drain ends, before `done` settles: it stops reading.
 */
export function drainEnd(
  signal: AbortSignal,
  quiet: (seconds: number) => Error,
  stop?: () => void,
): DrainEnd {
  let settled = false;
  let idle: NodeJS.Timeout | undefined;
  let settle: (error?: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // A drain that ends before its reader awaits `done` (its start threw) is not an unhandled rejection.
  done.catch(() => undefined);
  const onAbort = () => finish(new CancelledError());
  const finish = (error?: unknown) => {
    if (settled) return;
    settled = true;
    clearTimeout(idle);
    signal.removeEventListener("abort", onAbort);
    stop?.();
    settle(error);
  };
  signal.addEventListener("abort", onAbort);
  return {
    done,
    get settled() {
      return settled;
    },
    finish,
    armIdle: () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish(quiet(IDLE_MS / 1000)), IDLE_MS);
    },
  };
}
