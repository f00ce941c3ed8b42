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
export async function openDuckdb(options: DuckOptions = {}): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  return DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? 1),
    ...(options.memoryBytes ? { memory_limit: `${options.memoryBytes}b` } : {}),
    ...(options.spillDir ? { temp_directory: join(options.spillDir, "duckdb-spill") } : {}),
  });
}
