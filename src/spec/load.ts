import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { checkSemantics, type KindSupport } from "./check.ts";
import { locate } from "./locate.ts";
import { normalize } from "./normalize.ts";
import { formatPath, SpecErrors, type SpecPath, type SpecProblem } from "./problems.ts";
import type { RawPipeline } from "./schema/pipeline.ts";
import { checkSchema } from "./schema/validate.ts";
import type { LoadedPipeline } from "./types.ts";

/**
 * Reads, validates and defaults one pipeline file, checking it against the kinds smelter supports (the
 * registries' `KINDS`, src/registry.ts). Throws `SpecErrors` listing every problem found.
 */
export async function loadPipeline(file: string, kinds: KindSupport): Promise<LoadedPipeline> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SpecErrors([{ file, line: 1, column: 1, path: "", message: `cannot read the file (${code})` }]);
  }
  return parsePipeline(text, file, kinds);
}

/**
 * Validates and defaults a pipeline given as text; `file` names it in messages and DAG headers.
 * YAML syntax errors stop there; otherwise schema and semantic problems are all collected and thrown together.
 */
export function parsePipeline(text: string, file: string, kinds: KindSupport): LoadedPipeline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SpecErrors(
      doc.errors.map((error) => {
        const pos = lines.linePos(error.pos[0]);
        return { file, line: pos.line, column: pos.col, path: "", message: firstLine(error.message) };
      }),
    );
  }
  const problem = (path: SpecPath, message: string, key = false): SpecProblem => {
    const pos = locate(doc, lines, path, { key });
    return { file, line: pos.line, column: pos.column, path: formatPath(path), message };
  };
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  const violations = checkSchema(value);
  if (violations.length > 0) {
    throw new SpecErrors(sorted(violations.map((v) => problem(v.path, v.message, v.key))));
  }
  const raw = value as RawPipeline;
  const spec = normalize(raw);
  const semantic = checkSemantics(raw, spec, kinds);
  if (semantic.length > 0) throw new SpecErrors(sorted(semantic.map((v) => problem(v.path, v.message))));
  return { spec, file, hash: createHash("sha256").update(text, "utf8").digest("hex") };
}

/**
 * Loads several files and reports the problems of all of them together, so one run of `validate` shows
 * everything wrong in a repository.
 */
export async function loadPipelines(files: readonly string[], kinds: KindSupport): Promise<LoadedPipeline[]> {
  const loaded: LoadedPipeline[] = [];
  const problems: SpecProblem[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadPipeline(file, kinds));
    } catch (error) {
      if (!(error instanceof SpecErrors)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new SpecErrors(problems);
  return loaded;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function sorted(problems: SpecProblem[]): SpecProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}
