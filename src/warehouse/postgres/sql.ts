import type { ClientBase } from "pg";
import { ConfigError } from "../../errors.ts";
import { phase } from "../../trace.ts";

/** Quotes a PostgreSQL identifier: always, so that names from specs and sources never need escaping by hand. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A string literal, for the few places PostgreSQL takes no bind parameters (DDL, JSON path arrays). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const TYPE = /^[a-z_][a-z0-9_ ]*(\(\s*\d+(\s*,\s*\d+)?\s*\))?( with(out)? time zone)?(\[\])?$/i;

/**
 * A type name from a manifest or spec, checked before it is spliced into DDL (types cannot be bound).
 * `where` names the spec path or manifest in the error.
 */
export function sqlType(type: string, where: string): string {
  const trimmed = type.trim();
  if (!TYPE.test(trimmed)) throw new ConfigError(`${where}: "${type}" is not a PostgreSQL type name`);
  return trimmed;
}

/** Columns compared as text, since PostgreSQL has no equality operator for them. */
export function comparable(expr: string, type: string): string {
  return /^json$/i.test(type) ? `${expr}::text` : expr;
}

/** `a."x" = b."x" AND ...` over key columns. */
export function joinOn(left: string, right: string, keys: string[]): string {
  return keys.map((k) => `${left}.${quoteIdent(k)} = ${right}.${quoteIdent(k)}`).join(" AND ");
}

/**
 * Begins a transaction, applies `settings` (`SET LOCAL` statements) and takes the transaction advisory lock of the
 * name `lock` (its key is PostgreSQL's `hashtext` of the name, stable in the database) in one round trip: three statements of one simple query, which PostgreSQL runs in order, so the lock
 * is held before the caller's next statement reads anything. The name is a literal here (a simple query takes no
 * parameters). The caller rolls back when this fails: a failed statement leaves the transaction open, aborted.
 */
export async function beginLocked(client: ClientBase, lock: string, settings: string[] = []): Promise<void> {
  const statements = ["BEGIN", ...settings, `SELECT pg_advisory_xact_lock(hashtext(${quoteLiteral(lock)}))`];
  await client.query(statements.join("; "));
}

/**
 * Runs `work` in a transaction that first takes the advisory lock `lock` (see lockSql), and commits what it did;
 * rolls back and rethrows when anything fails. `step` names the phases of the begin and the commit.
 */
export async function lockedTransaction<T>(
  client: ClientBase,
  lock: string,
  work: () => Promise<T>,
  step = "warehouse",
): Promise<T> {
  try {
    await phase(`${step}: begin and lock`, () => beginLocked(client, lock));
    const result = await work();
    await phase(`${step}: commit`, () => client.query("COMMIT"));
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Rows a table holds by the planner's statistics (partitions summed); 0 when never analyzed. */
async function estimatedRows(client: ClientBase, table: string): Promise<number> {
  const result = await client.query(
    `SELECT greatest(c.reltuples, 0) + coalesce((SELECT sum(greatest(p.reltuples, 0)) FROM pg_inherits i
              JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid), 0) AS n
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [table],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Whether `probes` rows joined to `table` by key are under a tenth of it: looking each key up in the primary-key
 * index is then several times cheaper than reading the whole table, which the planner, costing every probe as a
 * random disk read, does not see (`keyLookups` acts on it).
 */
export async function fewLookups(client: ClientBase, probes: number, table: string): Promise<boolean> {
  return probes * 10 < (await estimatedRows(client, table));
}

/**
 * Runs `work` (statements joining rows to a table by key) with hash and merge joins off when `few` (from
 * `fewLookups`) says the rows are few enough for index lookups. Must run inside a transaction (SET LOCAL).
 */
export async function keyLookups<T>(client: ClientBase, few: boolean, work: () => Promise<T>): Promise<T> {
  if (!few) return work();
  await client.query("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off");
  const result = await work();
  await client.query("SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT");
  return result;
}

/**
 * ANALYZE of a freshly loaded table's key columns from a small sample (3,000 rows): what the next commit's
 * planner needs is the table's size, which the sample gives as well as a full one, at a tenth of the reads.
 * Autovacuum later gathers the full statistics. Inside a transaction (SET LOCAL).
 */
export async function analyzeKey(client: ClientBase, table: string, keys: string[]): Promise<void> {
  await client.query("SET LOCAL default_statistics_target = 10");
  await client.query(`ANALYZE ${table} (${keys.map(quoteIdent).join(", ")})`);
  await client.query("SET LOCAL default_statistics_target TO DEFAULT");
}
