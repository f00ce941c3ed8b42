import type { TSchema } from "@sinclair/typebox";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Checked } from "../spec/schema/builders.ts";
import { HttpError } from "./errors.ts";

export type { Checked };

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const bodies = new Ajv2020({ allErrors: false, useDefaults: true, strict: false });
const queries = new Ajv2020({ allErrors: false, useDefaults: true, coerceTypes: true, strict: false });
addFormats(bodies);
addFormats(queries);

/** The JSON pointer and a sentence for the first schema violation. */
export function describe(error: ErrorObject, where: "body" | "query"): { field: string; message: string } {
  const at = error.instancePath;
  if (error.keyword === "required") {
    const field = `${at}/${(error.params as { missingProperty: string }).missingProperty}`;
    return { field, message: `${where} field ${field} is required` };
  }
  if (error.keyword === "additionalProperties") {
    const field = `${at}/${(error.params as { additionalProperty: string }).additionalProperty}`;
    return { field, message: `${where} field ${field} is not allowed` };
  }
  if (error.keyword === "oneOf" && at === "") {
    return { field: "/table", message: `${where} must have exactly one of table or source` };
  }
  if (error.keyword === "enum") {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
      JSON.stringify(v),
    );
    return { field: at, message: `${where} field ${at || "(root)"} must be one of ${allowed.join(", ")}` };
  }
  return { field: at, message: `${where} field ${at || "(root)"} ${error.message ?? "is invalid"}` };
}

/**
 * Compiles a schema into a checker that returns the (defaulted, for queries coerced) value or throws a 400
 * naming the offending field.
 */
export function validator<S extends TSchema>(
  schema: S,
  where: "body" | "query" = "body",
): (value: unknown) => Checked<S> {
  const validate = (where === "body" ? bodies : queries).compile(schema);
  return (value: unknown): Checked<S> => {
    if (validate(value)) return value as Checked<S>;
    const errors = validate.errors ?? [];
    // With oneOf, the branch errors come first but the oneOf error is the one that explains the problem.
    const first = errors.find((e) => e.keyword === "oneOf" && e.instancePath === "") ?? errors[0];
    const { field, message } = first ? describe(first, where) : { field: "", message: `${where} is invalid` };
    throw new HttpError(400, "ValidationError", message, { field });
  };
}
