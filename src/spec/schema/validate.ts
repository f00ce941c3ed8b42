import type { ErrorObject } from "ajv/dist/2020.js";
import { validate as validator } from "../../../schema/pipeline-validator.js";
import type { SpecPath } from "../problems.ts";

/** A schema violation before it is placed in the file. `key` marks problems best shown at a property's key. */
export interface SchemaViolation {
  path: SpecPath;
  message: string;
  key: boolean;
}

/**
 * Validates a parsed YAML value against the schema and returns every violation, phrased for people. The
 * validator is the document as published (schema/pipeline.schema.json), compiled ahead of time with `verbose`
 * (schema/pipeline-validator.js): the failing schema node travels with each error, so its `x-expected` can phrase
 * the message (see compile.ts).
 */
export function checkSchema(value: unknown): SchemaViolation[] {
  if (validator(value)) return [];
  return phrase(validator.errors ?? []);
}

function toPath(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * ajv reports each failing branch of an anyOf, each `if`, and the union itself. People want one sentence per
 * place: a union that failed is reported once with its `x-expected`, and what its branches said is dropped.
 */
function phrase(errors: ErrorObject[]): SchemaViolation[] {
  const unions = errors
    .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .map((e) => e.instancePath);
  const kept = errors.filter((e) => {
    // the inner error of propertyNames already names the property; `if` only says a `then` failed
    if (e.keyword === "if" || e.keyword === "propertyNames") return false;
    if (e.keyword === "anyOf" || e.keyword === "oneOf") {
      // keep only the outermost union of a place
      return !unions.some((u) => u !== e.instancePath && isWithin(e.instancePath, u));
    }
    return !unions.some((u) => isWithin(e.instancePath, u));
  });
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const error of kept) {
    const violation = describe(error);
    const id = `${violation.path.join("/")}\u0000${violation.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(violation);
  }
  return out;
}

function expected(error: ErrorObject): string | undefined {
  const hint = (error.parentSchema as Record<string, unknown> | undefined)?.["x-expected"];
  return typeof hint === "string" ? hint : undefined;
}

function describe(error: ErrorObject): SchemaViolation {
  const path = toPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { path, message: `missing required property "${String(params.missingProperty)}"`, key: false };
    case "additionalProperties":
    case "unevaluatedProperties": {
      const name = String(params.additionalProperty ?? params.unevaluatedProperty);
      const known = Object.keys(
        ((error.parentSchema as Record<string, unknown> | undefined)?.properties as object | undefined) ?? {},
      );
      const guess = closest(name, known);
      const hint = guess ? ` (did you mean "${guess}"?)` : "";
      return { path: [...path, name], message: `unknown property "${name}"${hint}`, key: true };
    }
    case "enum":
      return {
        path,
        message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
        key: false,
      };
    case "const":
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}`, key: false };
    default: {
      if (error.propertyName !== undefined) {
        const hint = expected(error);
        const message = `is not an allowed name${hint ? `: must be ${hint}` : ""}`;
        return { path: [...path, error.propertyName], message, key: true };
      }
      const hint = expected(error);
      return { path, message: hint ? `must be ${hint}` : (error.message ?? "is invalid"), key: false };
    }
  }
}

/** The known name within edit distance 2 of `name`, if exactly one is that close. */
function closest(name: string, known: string[]): string | undefined {
  const near = known.filter((k) => distance(name, k) <= 2);
  return near.length === 1 ? near[0] : undefined;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
