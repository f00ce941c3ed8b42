import { createHash } from "node:crypto";
import type pg from "pg";
import type { TaskRequest } from "../contracts/step.ts";
import { laterSteps, unitsOf } from "../spec/lookup.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { type ExecutionStore, requestOf } from "../state/executions.ts";

/**
 * The advisory locks that keep one (pipeline, step, table) worked on by one execution at a time, across the
 * service's replicas and `smelter run` alike: PostgreSQL session locks on the state database, held on one
 * dedicated connection for the length of the execution.
 */

/**
 * The 64-bit advisory lock key of one (pipeline, step, table). A source execution takes the keys of all its
 * tables, so it excludes, and is excluded by, a table execution of the same step.
 */
export function lockKey(pipeline: string, step: string, table: string): string {
  const digest = createHash("sha256").update(`smelter\0${pipeline}\0${step}\0${table}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * The sorted, distinct lock keys of every table (silver: model) a request covers; a `downstream` request also
 * holds those of the later steps it runs (bronze of each of its tables, their silver models) for its whole length.
 */
export function lockKeys(spec: PipelineSpec, request: TaskRequest): string[] {
  const keys = new Set(unitsOf(spec, request).map((t) => lockKey(request.pipeline, request.step, t)));
  if (request.downstream) {
    for (const table of request.table !== undefined ? [request.table] : unitsOf(spec, request))
      for (const later of laterSteps(spec, request.step, table))
        keys.add(lockKey(request.pipeline, later.step, later.table));
  }
  return [...keys].sort();
}

/** Takes every key or none, so that two source executions never deadlock on overlapping tables. */
export async function tryLockAll(client: pg.ClientBase, keys: string[]): Promise<boolean> {
  const taken: string[] = [];
  for (const key of keys) {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
      key,
    ]);
    if (!rows[0]?.ok) {
      await unlockAll(client, taken);
      return false;
    }
    taken.push(key);
  }
  return true;
}

/** Releases keys taken by `tryLockAll`. */
export async function unlockAll(client: pg.ClientBase, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await client.query("SELECT pg_advisory_unlock(k::bigint) FROM unnest($1::text[]) AS k", [keys]);
}

/**
 * The running execution of the service that holds one of `keys` (other than `self`), to name it in a wait or a
 * refusal; undefined when none does (the holder is a `smelter run` or an action of the command line).
 */
export async function lockHolder(
  store: ExecutionStore,
  spec: PipelineSpec,
  keys: string[],
  self?: string,
): Promise<string | undefined> {
  const wanted = new Set(keys);
  for (const e of await store.running(spec.name)) {
    if (e.id === self) continue;
    try {
      if (lockKeys(spec, requestOf(e)).some((k) => wanted.has(k))) return e.id;
    } catch {
      // A running execution of a table the spec no longer has holds none of this spec's keys.
    }
  }
  return undefined;
}
