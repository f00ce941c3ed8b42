import { ConfigError } from "../errors.ts";

/** A path into the YAML document: property names and list indexes, as the user wrote them (snake_case). */
export type SpecPath = readonly (string | number)[];

/** One thing wrong with a spec, located in its file. */
export interface SpecProblem {
  file: string;
  /** 1-based line and column of the offending node (or of the nearest enclosing node that exists). */
  line: number;
  column: number;
  /** Spec path such as `tables[3].cursor`; empty for the document itself. */
  path: string;
  message: string;
}

/** `tables[3].cursor`; property names that are not plain words are quoted: `connections["my-db"]`. */
export function formatPath(path: SpecPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `examples/x.yaml:12:7 tables[3].cursor: must be an array of column names` */
export function formatProblem(problem: SpecProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path === "" ? `${where} ${problem.message}` : `${where} ${problem.path}: ${problem.message}`;
}

/** Every problem found in one or more specs. A spec with problems never produces a DAG file. */
export class SpecErrors extends ConfigError {
  readonly problems: readonly SpecProblem[];

  constructor(problems: readonly SpecProblem[]) {
    const files = [...new Set(problems.map((p) => p.file))];
    const head = `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${files.join(", ")}`;
    super(`${head}:\n${problems.map(formatProblem).join("\n")}`);
    this.problems = problems;
  }
}
