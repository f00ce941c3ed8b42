import cron from "node-cron";
import type pg from "pg";
import { lockKey } from "../runtime/locks.ts";

/** A scheduled job of the service. */
export interface Job {
  name: string;
  /** Cron expression; an empty string disables the job. */
  schedule: string;
  run: () => Promise<void>;
}

/**
 * Runs `job` unless it is already running here (overlap) or on another replica (a Postgres advisory lock held
 * for the run on a dedicated connection). Answers whether it ran.
 */
export async function runExclusive(pool: pg.Pool, job: Job, running: Set<string>): Promise<boolean> {
  if (running.has(job.name)) return false;
  running.add(job.name);
  const client = await pool.connect();
  const key = lockKey("_service", "job", job.name);
  try {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
      key,
    ]);
    if (!rows[0]?.ok) return false;
    try {
      await job.run();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
    }
    return true;
  } finally {
    client.release();
    running.delete(job.name);
  }
}

/**
 * Starts the enabled jobs; the returned function stops scheduling them and resolves once the runs in flight
 * have ended.
 */
export function startJobs(pool: pg.Pool, jobs: Job[], say: (message: string) => void): () => Promise<void> {
  const running = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();
  const tasks = jobs
    .filter((j) => j.schedule !== "")
    .map((job) => {
      if (!cron.validate(job.schedule))
        throw new Error(`job ${job.name}: invalid cron expression ${job.schedule}`);
      return cron.schedule(job.schedule, () => {
        const run = runExclusive(pool, job, running).catch((error: Error) =>
          say(`job ${job.name} failed: ${error.message}`),
        );
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
        return run;
      });
    });
  return async () => {
    for (const t of tasks) await t.stop();
    await Promise.all(inFlight);
  };
}
