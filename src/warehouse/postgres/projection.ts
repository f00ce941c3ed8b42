import type { SilverModel } from "../../spec/types.ts";
import { jsonPathSteps, type ProjectedColumn, projectModel as project } from "../silver-projection.ts";
import { quoteIdent, quoteLiteral, sqlType } from "./sql.ts";
import type { StagingColumn } from "./staging/types.ts";

export type { ProjectedColumn } from "../silver-projection.ts";

/** Splits `$.a.b[0]["c d"]` into path elements for PostgreSQL's `#>>`. */
export function jsonPath(path: string, where: string): string[] {
  return jsonPathSteps(path, where).map((s) =>
    s.kind === "member" ? s.name : s.kind === "index" ? s.index : s.key,
  );
}

/** The silver columns of a model in PostgreSQL SQL (see silver-projection.ts); JSON documents are read as jsonb. */
export function projectModel(model: SilverModel, bronze: StagingColumn[], table: string): ProjectedColumn[] {
  return project(model, bronze, table, {
    quoteIdent,
    sqlType,
    jsonText: (column, path, where) =>
      `${quoteIdent(column)}::jsonb #>> ARRAY[${jsonPath(path, where).map(quoteLiteral).join(", ")}]::text[]`,
  });
}
