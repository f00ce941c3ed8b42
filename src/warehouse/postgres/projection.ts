import { ConfigError } from "../../errors.ts";
import type { SilverModel } from "../../spec/types.ts";
import { quoteIdent, quoteLiteral, sqlType } from "./sql.ts";
import type { StagingColumn } from "./staging/types.ts";

/** A silver column as SQL over one bronze (change feed) row, whose columns are in scope unqualified. */
export interface ProjectedColumn {
  name: string;
  type: string;
  expr: string;
}

/** Splits `$.a.b[0]["c d"]` into path elements for PostgreSQL's `#>>`. */
export function jsonPath(path: string, where: string): string[] {
  if (!path.startsWith("$")) throw new ConfigError(`${where}: JSON path "${path}" must start with "$"`);
  const parts: string[] = [];
  const token = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let at = 1;
  while (at < path.length) {
    token.lastIndex = at;
    const m = token.exec(path);
    if (!m) throw new ConfigError(`${where}: JSON path "${path}" is not understood at position ${at}`);
    parts.push(m[1] ?? m[2] ?? (m[3] as string).replace(/\\(.)/g, "$1"));
    at = token.lastIndex;
  }
  return parts;
}

/** Bronze bookkeeping columns `includeAll` leaves out. */
const SKIPPED = /^_smelter_/;

/**
 * The silver columns of a model as SQL expressions over bronze columns: copies (`from`, optional cast), JSON
 * path extraction (`json`), and expressions (`expr`), plus every other bronze column when `includeAll` is set.
 */
export function projectModel(model: SilverModel, bronze: StagingColumn[], table: string): ProjectedColumn[] {
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
      const path = jsonPath(col.json.path, where).map(quoteLiteral).join(", ");
      const type = sqlType(col.type, where);
      out.push({
        name: col.name,
        type,
        expr: `CAST(${quoteIdent(col.json.column)}::jsonb #>> ARRAY[${path}]::text[] AS ${type})`,
      });
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
