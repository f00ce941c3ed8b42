import { channel } from "node:diagnostics_channel";

/**
 * Phase timings of an execution, published on the diagnostics channel `smelter.phase` for whoever subscribes
 * (bench/tiny reads them for its per-phase breakdown). With no subscriber a phase costs one property read: the
 * service pays nothing for a measurement nobody takes.
 */

/** One finished phase: its name (`<step>: <what>`) and how long it took. */
export interface PhaseEvent {
  phase: string;
  ms: number;
}

/** The channel phases are published on. */
export const PHASES = channel("smelter.phase");

/** Runs `work` as phase `name`; publishes its duration (also when it fails) when someone listens. */
export async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!PHASES.hasSubscribers) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    PHASES.publish({ phase: name, ms: performance.now() - start } satisfies PhaseEvent);
  }
}
