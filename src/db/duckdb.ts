import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";

/**
 * The embedded DuckDB smelter uses to write parquet (extract) and to read it (PostgreSQL staging): how SQL text
 * for it is quoted, and how an instance is set up. Identifiers and strings reach DuckDB only through these.
 */

/** A DuckDB string literal. */
export function duckString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A DuckDB identifier, always quoted. */
export function duckIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Settings of an in-memory instance. */
export interface DuckOptions {
  /** Worker threads; smelter's uses are one-threaded by default (see the callers for why). */
  threads?: number;
  /** Memory cap in bytes; default: DuckDB's (80% of RAM). */
  memoryBytes?: number;
  /** Where DuckDB may spill what exceeds the cap (a `duckdb-spill` directory under it). */
  spillDir?: string;
}

/**
 * Opens an in-memory DuckDB instance. DuckDB's native module is loaded here, on first use, not when a module that
 * may use it is imported: commands that never write or read parquet (`smelter validate`) start without it.
 */
export function openDuckdb(options: DuckOptions = {}): Promise<DuckDBInstance> {
  return create(options, options.spillDir ? join(options.spillDir, "duckdb-spill") : null);
}

async function create(options: DuckOptions, spill: string | null): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  return DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? 1),
    ...(options.memoryBytes ? { memory_limit: `${options.memoryBytes}b` } : {}),
    ...(spill ? { temp_directory: spill } : {}),
  });
}

/** An instance borrowed from the kept ones (see `borrowDuckdb`); give it back with `release`. */
export interface DuckdbLease {
  readonly instance: DuckDBInstance;
  /**
   * Gives the instance back: kept for the next borrower when `reusable` (the work on it ended normally), closed
   * otherwise. A second call does nothing.
   */
  release(reusable: boolean): Promise<void>;
}

interface Kept {
  instance: DuckDBInstance;
  spillDir: string | null;
  timer?: NodeJS.Timeout;
}

/** Idle instances kept per settings: enough for the executions a replica usually runs at once. */
const KEEP = 4;
/** An idle instance is closed after this long: a quiet service holds none. */
const IDLE_MS = 60_000;
const kept = new Map<string, Kept[]>();

async function discard(entry: Kept): Promise<void> {
  entry.instance.closeSync();
  if (entry.spillDir) await rm(entry.spillDir, { recursive: true, force: true });
}

/**
 * An in-memory instance with these settings, one kept from an earlier borrower when there is one: creating an
 * instance costs 40-75 ms, most of a tiny step's budget. A borrower has the instance to itself until it releases
 * it, and leaves nothing in it (it writes files; it creates no tables). `spill` gives the instance a spill
 * directory of its own, removed when the instance is closed (DuckDB cannot move its spill directory once it has
 * used it, so borrowers cannot bring their own). A borrower that changes `memory_limit` sets it before each use.
 */
export async function borrowDuckdb(
  options: Omit<DuckOptions, "spillDir"> & { spill?: boolean },
): Promise<DuckdbLease> {
  const key = JSON.stringify([options.threads ?? 1, options.memoryBytes ?? null, options.spill ?? false]);
  let entry = kept.get(key)?.pop();
  if (entry) {
    clearTimeout(entry.timer);
  } else {
    // DuckDB makes the directory when it first spills: an instance that never spills leaves nothing on disk.
    const spillDir = options.spill
      ? join(tmpdir(), `smelter-duckdb-${process.pid}-${randomBytes(4).toString("hex")}`)
      : null;
    entry = { instance: await create(options, spillDir), spillDir };
  }
  const lent = entry;
  let returned = false;
  return {
    instance: lent.instance,
    release: async (reusable) => {
      if (returned) return;
      returned = true;
      const idle = kept.get(key) ?? [];
      if (!reusable || idle.length >= KEEP) return discard(lent);
      lent.timer = setTimeout(() => {
        const at = idle.indexOf(lent);
        if (at >= 0) idle.splice(at, 1);
        void discard(lent);
      }, IDLE_MS);
      lent.timer.unref();
      idle.push(lent);
      kept.set(key, idle);
    },
  };
}

/** Closes every kept instance (service shutdown, tests). */
export async function closeKeptDuckdb(): Promise<void> {
  const all = [...kept.values()].flat();
  kept.clear();
  for (const entry of all) clearTimeout(entry.timer);
  await Promise.all(all.map(discard));
}
