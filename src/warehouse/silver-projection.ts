import { ConfigError } from "../errors.ts";
import type { SilverModel } from "../spec/types.ts";

/**
 * The projection of a silver model, the same on every warehouse: which bronze columns it copies, casts, reads JSON
 * paths from or computes, with `includeAll` adding the rest, and what a spec gets wrong about them. A warehouse
 * supplies its quoting, its type names and its way of reading a JSON path (`ProjectionDialect`).
 */

/** A silver column as SQL over one bronze (change feed) row, whose columns are in scope unqualified. */
export interface ProjectedColumn {
  name: string;
  type: string;
  expr: string;
}

/** One step of a JSON path: `.name`, `[0]` or `["quoted key"]` (unescaped). */
export type JsonPathStep =
  | { kind: "member"; name: string }
  | { kind: "index"; index: string }
  | { kind: "key"; key: string };

const STEP = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
const STEP_NO_QUOTE = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\']|\\.)*)"\]/y;

/**
 * Splits `$.a.b[0]["c d"]` into its steps; `where` (the spec place) starts the ConfigError of a path that is not
 * understood. `singleQuotes: false` refuses an unescaped `'` in a quoted key, for warehouses whose paths quote keys
 * with it (default true).
 */
export function jsonPathSteps(path: string, where: string, singleQuotes = true): JsonPathStep[] {
  if (!path.startsWith("$")) throw new ConfigError(`${where}: JSON path "${path}" must start with "$"`);
  const token = singleQuotes ? STEP : STEP_NO_QUOTE;
  const steps: JsonPathStep[] = [];
  let at = 1;
  while (at < path.length) {
    token.lastIndex = at;
    const m = token.exec(path);
    if (!m) throw new ConfigError(`${where}: JSON path "${path}" is not understood at position ${at}`);
    if (m[1]) steps.push({ kind: "member", name: m[1] });
    else if (m[2]) steps.push({ kind: "index", index: m[2] });
    else steps.push({ kind: "key", key: (m[3] as string).replace(/\\(.)/g, "$1") });
    at = token.lastIndex;
  }
  return steps;
}

/** What a warehouse lends the projection. */
export interface ProjectionDialect {
  quoteIdent(name: string): string;
  /** A spec's type name checked as one of the warehouse's; `where` starts the ConfigError otherwise. */
  sqlType(type: string, where: string): string;
  /** The text at JSON path `path` of the document in bronze column `column`, as SQL; `where` as for sqlType. */
  jsonText(column: string, path: string, where: string): string;
}

/** Bronze bookkeeping columns `includeAll` leaves out. */
const SKIPPED = /^_smelter_/;

/**
 * The silver columns of a model as SQL expressions over bronze columns: copies (`from`, optional cast), JSON
 * path extraction (`json`), and expressions (`expr`), plus every other bronze column when `includeAll` is set.
 * `table` names the bronze table in errors.
 */
export function projectModel(
  model: SilverModel,
  bronze: { name: string; type: string }[],
  table: string,
  dialect: ProjectionDialect,
): ProjectedColumn[] {
  const { quoteIdent, sqlType } = dialect;
  const types = new Map(bronze.map((c) => [c.name, c.type]));
  const out: ProjectedColumn[] = [];
  model.columns.forEach((col, i) => {
    const where = `silver.${model.name}.columns[${i}] (${col.name})`;
    if ("from" in col) {
      const bronzeType = types.get(col.from);
      if (!bronzeType) throw new ConfigError(`${where}: bronze table ${table} has no column ${col.from}`);
      const type = col.type ? sqlType(col.type, where) : bronzeType;
      const expr = col.type ? `CAST(${quoteIdent(col.from)} AS ${type})` : quoteIdent(col.from);
      out.push({ name: col.name, type, expr });
    } else if ("json" in col) {
      if (!types.has(col.json.column)) {
        throw new ConfigError(`${where}: bronze table ${table} has no column ${col.json.column}`);
      }
      const type = sqlType(col.type, where);
      const text = dialect.jsonText(col.json.column, col.json.path, where);
      out.push({ name: col.name, type, expr: `CAST(${text} AS ${type})` });
    } else {
      const type = sqlType(col.type, where);
      out.push({ name: col.name, type, expr: `CAST((${col.expr}) AS ${type})` });
    }
  });
  if (model.includeAll) {
    const named = new Set(out.map((c) => c.name));
    for (const col of model.columns) if ("from" in col) named.add(col.from);
    for (const c of bronze) {
      if (!named.has(c.name) && !SKIPPED.test(c.name))
        out.push({ name: c.name, type: c.type, expr: quoteIdent(c.name) });
    }
  }
  for (const k of model.key) {
    if (!out.some((c) => c.name === k)) {
      throw new ConfigError(`silver.${model.name}.key: ${k} is not a column of the model`);
    }
  }
  return out;
}
