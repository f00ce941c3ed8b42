import type { ResolvedDatabase } from "../spec/resolve.ts";
import { sourceError } from "./errors.ts";
import type { CsvRead, ReadRange, Relation, SourceColumn, SourceSnapshot } from "./types.ts";

/**
 * The SELECTs of extraction, generated in one place for every source. Identifiers are quoted by the dialect's
 * `quote`; values are always bound through `param(n)` placeholders.
 */
export interface SqlDialect {
  quote(identifier: string): string;
  /** Placeholder of the n-th (1-based) bound value: `?` or `$n`. */
  param(n: number): string;
}

/** `schema.table` → quoted parts; a query → a parenthesised derived table. */
export function relationSql(d: SqlDialect, relation: Relation): string {
  if ("query" in relation) return `(${relation.query}) AS ${d.quote("_smelter_src")}`;
  return relation.table
    .split(".")
    .map((part) => d.quote(part))
    .join(".");
}

/** `(a, b) >= (?, ?)` (or `a >= ?` for one column); `op` is the comparison. */
function tupleCompare(d: SqlDialect, columns: string[], op: string, first: number): string {
  const cols = columns.map((c) => d.quote(c));
  const params = columns.map((_, i) => d.param(first + i));
  if (cols.length === 1) return `${cols[0]} ${op} ${params[0]}`;
  return `(${cols.join(", ")}) ${op} (${params.join(", ")})`;
}

/**
 * The SELECT of one read, with its bound values. `expr` renders a selected column (default: the quoted name), for
 * a driver that reads some types in another form.
 */
export function selectSql(
  d: SqlDialect,
  relation: Relation,
  columns: string[],
  range: ReadRange,
  expr: (quoted: string, column: string) => string = (quoted) => quoted,
): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  if (range.cursorFrom) {
    where.push(tupleCompare(d, range.cursorFrom.columns, ">=", values.length + 1));
    values.push(...range.cursorFrom.values);
  }
  if (range.between?.from) {
    where.push(tupleCompare(d, range.between.columns, ">=", values.length + 1));
    values.push(...range.between.from);
  }
  if (range.between?.to) {
    where.push(tupleCompare(d, range.between.columns, "<", values.length + 1));
    values.push(...range.between.to);
  }
  let tail = "";
  const keys = range.keyAfter;
  if (keys) {
    if (keys.values) {
      where.push(tupleCompare(d, keys.columns, ">", values.length + 1));
      values.push(...keys.values);
    }
    if (keys.to) {
      where.push(tupleCompare(d, keys.columns, "<=", values.length + 1));
      values.push(...keys.to);
    }
    tail = ` ORDER BY ${keys.columns.map((c) => d.quote(c)).join(", ")}`;
    if (keys.limit !== undefined) tail += ` LIMIT ${Math.trunc(keys.limit)}`;
  }
  const list = columns.map((c) => expr(d.quote(c), c)).join(", ");
  const filter = where.length ? ` WHERE ${where.join(" AND ")}` : "";
  return { sql: `SELECT ${list} FROM ${relationSql(d, relation)}${filter}${tail}`, values };
}

/** The row with the largest `columns` tuple: `ORDER BY a DESC, b DESC LIMIT 1` (uses an index on them). */
export function maxSql(d: SqlDialect, relation: Relation, columns: string[]): string {
  const cols = columns.map((c) => d.quote(c));
  const notNull = cols.map((c) => `${c} IS NOT NULL`).join(" AND ");
  return `SELECT ${cols.join(", ")} FROM ${relationSql(d, relation)} WHERE ${notNull} ORDER BY ${cols
    .map((c) => `${c} DESC`)
    .join(", ")} LIMIT 1`;
}

/** The number of rows of a relation. */
export function countSql(d: SqlDialect, relation: Relation): string {
  return `SELECT COUNT(*) FROM ${relationSql(d, relation)}`;
}

/** The key `size` rows after `after` in key order: `ORDER BY key LIMIT 1 OFFSET size - 1` (an index range scan). */
export function chunkEndSql(
  d: SqlDialect,
  relation: Relation,
  keys: string[],
  after: unknown[] | null,
  size: number,
): { sql: string; values: unknown[] } {
  const cols = keys.map((c) => d.quote(c));
  const filter = after ? ` WHERE ${tupleCompare(d, keys, ">", 1)}` : "";
  const order = cols.join(", ");
  return {
    sql: `SELECT ${order} FROM ${relationSql(d, relation)}${filter} ORDER BY ${order} LIMIT 1 OFFSET ${Math.trunc(size) - 1}`,
    values: after ?? [],
  };
}

/**
 * What the snapshots of SQL sources share: the one-row queries (max, count, chunk ends) generated from the
 * dialect and run through the driver's `queryFirstRow`, with errors naming the source and relation.
 */
export abstract class SqlSnapshot implements SourceSnapshot {
  constructor(
    protected readonly dialect: SqlDialect,
    protected readonly db: ResolvedDatabase,
    readonly info: Record<string, unknown>,
  ) {}

  /** The columns of a query, from the result metadata of a zero-row read of it. */
  protected abstract queryColumns(query: string): Promise<SourceColumn[]>;
  /** The columns of `schema`.`table` from the catalog, in table order; none when there is no such table. */
  protected abstract tableColumns(schema: string, table: string): Promise<SourceColumn[]>;
  /** The schema of a table named without one. */
  protected abstract readonly defaultSchema: string;
  /** The driver's error code for a table that does not exist, so that the error reads as the driver's own. */
  protected abstract readonly noSuchTable: string;
  abstract streamCsv(...args: Parameters<SourceSnapshot["streamCsv"]>): CsvRead;
  abstract close(): Promise<void>;
  /** Runs a query with bound values and returns its first row as an array, or undefined when it has none. */
  protected abstract queryFirstRow(
    sql: string,
    values: unknown[] | undefined,
  ): Promise<unknown[] | undefined>;

  /** Where a message about `relation` points: the source and the table (or "query"). */
  protected where(relation: Relation): string {
    return `source ${this.db.name}, ${"table" in relation ? `table ${relation.table}` : "query"}`;
  }

  /** The first row of a one-row query about `relation`, or null when it has none. */
  protected async firstRow(relation: Relation, sql: string, values?: unknown[]): Promise<unknown[] | null> {
    try {
      return (await this.queryFirstRow(sql, values)) ?? null;
    } catch (error) {
      throw sourceError(error, this.where(relation));
    }
  }

  /** The columns of a table (`schema.table`, or `table` in `defaultSchema`) or a query; failures name them. */
  async columns(relation: Relation): Promise<SourceColumn[]> {
    try {
      if ("query" in relation) return await this.queryColumns(relation.query);
      const [schema, table] = relation.table.includes(".")
        ? (relation.table.split(".", 2) as [string, string])
        : [this.defaultSchema, relation.table];
      const list = await this.tableColumns(schema, table);
      if (list.length === 0)
        throw sourceError({ code: this.noSuchTable, message: "table not found" }, this.where(relation));
      return list;
    } catch (error) {
      throw sourceError(error, this.where(relation));
    }
  }

  max(relation: Relation, columns: string[]): Promise<unknown[] | null> {
    return this.firstRow(relation, maxSql(this.dialect, relation, columns));
  }

  async count(relation: Relation): Promise<number> {
    return Number((await this.firstRow(relation, countSql(this.dialect, relation)))?.[0] ?? 0);
  }

  chunkEnd(
    relation: Relation,
    keys: string[],
    after: unknown[] | null,
    size: number,
  ): Promise<unknown[] | null> {
    const { sql, values } = chunkEndSql(this.dialect, relation, keys, after, size);
    return this.firstRow(relation, sql, values);
  }
}
