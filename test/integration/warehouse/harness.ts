import { test } from "node:test";
import type { Connection, PipelineSpec } from "../../../src/spec/types.ts";

/**
 * What the shared warehouse suite (./suite/) needs from a warehouse beyond smelter's own code: a connection for
 * the test specs and neutral ways to read what bronze and silver wrote. One entry file per warehouse
 * (`<kind>.test.ts`) gives its harness and the tests it skips, with the reason.
 */

/** A row as text: every value cast to the warehouse's text form (NULL as null, JSON as compact JSON). */
export type TextRow = Record<string, string | null>;

export interface WarehouseHarness {
  readonly kind: string;
  /** The warehouse connection of a test spec (secrets as `{ env }` references to the stack's settings). */
  readonly connection: Connection;
  /**
   * Rows of `schema.table`: the named columns as text, ordered by `orderBy` (compared as the warehouse orders
   * their values). Columns listed in `json` are normalized to compact JSON text, so documents compare alike
   * whatever spacing the warehouse keeps; columns listed in `hex` (bytes) are read as lower-case hex.
   */
  rows(
    schema: string,
    table: string,
    columns: string[],
    options?: { orderBy?: string[]; json?: string[]; hex?: string[] },
  ): Promise<TextRow[]>;
  /**
   * The change feed of bronze table `schema.table`: `_commit_version`, `_change_type` and the named columns as
   * text, ordered by version, change type, then `orderBy`.
   */
  changes(
    schema: string,
    table: string,
    columns: string[],
    options?: { orderBy?: string[]; json?: string[] },
  ): Promise<TextRow[]>;
  /** Column names of `schema.table` in order; null when the table does not exist. */
  columns(schema: string, table: string): Promise<string[] | null>;
  /**
   * Makes the change feed of a bronze table forget every version up to `version`, as retention would, whatever
   * its readers have read; absent where the warehouse cannot be made to (the tests needing it are skipped).
   */
  forgetChanges?(spec: PipelineSpec, table: string, version: number): Promise<void>;
  /** Runs a statement as an operator would: the way out an error message names (`ALTER TABLE ...`). */
  execute(sql: string): Promise<void>;
  /** Removes what a test pipeline left in the warehouse (schemas, tables, bookkeeping). */
  drop(spec: PipelineSpec): Promise<void>;
  close(): Promise<void>;
}

/** Tests a warehouse skips, by the test's name, each with why. */
export type Skips = Readonly<Record<string, string>>;

/** What a suite gets: the warehouse under test and what it skips. */
export interface SuiteContext {
  harness: WarehouseHarness;
  skips: Skips;
  /** Rounds of the randomized bronze tests (default 8): a warehouse whose every commit takes seconds runs fewer. */
  rounds?: number;
  /**
   * Silver models are rebuilt after bronze widens a column, as the warehouse's messages say (Delta: its change feed
   * is not read across a type change); default false: silver goes on from its checkpoint.
   */
  rebuildAfterTypeChange?: boolean;
}

/** `node:test`'s test, skipped (with the warehouse's reason) when the entry file lists the name. */
export function suiteTest(ctx: SuiteContext, name: string, fn: () => Promise<void>): void {
  const reason = ctx.skips[name];
  test(name, reason ? { skip: `${ctx.harness.kind}: ${reason}` } : {}, fn);
}
