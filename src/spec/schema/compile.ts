import { Ajv2020 } from "ajv/dist/2020.js";
import standalone from "ajv/dist/standalone/index.js";
import { pipelineSchema } from "./pipeline.ts";

/**
 * The pipeline schema's validator, compiled ahead of time: `npm run schema` writes it to VALIDATOR_PATH (plain
 * JavaScript, typed by VALIDATOR_TYPES_PATH) next to the published schema, and validate.ts imports it, so a command
 * that checks a spec loads neither ajv's compiler nor the TypeBox definitions (together ~0.5 s of every
 * `smelter validate`). Like the published schema, it is an artifact and lives outside src/; a unit test keeps it
 * in step with the definitions.
 */

/** The options the validator is compiled with; validate.ts reads its errors with them in mind. */
function compiler(source: boolean): Ajv2020 {
  // verbose: the failing schema node travels with each error, so its `x-expected` can phrase the message.
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    ...(source ? { code: { source: true, esm: true, lines: true } } : {}),
  });
  ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
  return ajv;
}

export const VALIDATOR_PATH = new URL("../../../schema/pipeline-validator.js", import.meta.url);

/** The declaration of the compiled validator module, so that TypeScript code imports it typed. */
export const VALIDATOR_TYPES_PATH = new URL("../../../schema/pipeline-validator.d.ts", import.meta.url);

const HEADER =
  "// Written by `npm run schema` (src/spec/schema/compile.ts) from the definitions there; do not edit.";

/** The text of the compiled validator module: the same definitions and ajv version always give the same bytes. */
export function validatorFileText(): string {
  const ajv = compiler(true);
  const code = standalone.default(ajv, ajv.compile(pipelineSchema()));
  return [
    HEADER,
    'import { createRequire } from "node:module";',
    "const require = createRequire(import.meta.url);",
    code.replace(/^"use strict";\n?/, ""),
    "",
  ].join("\n");
}

/** The text of the validator's declaration file. */
export function validatorTypesText(): string {
  return [
    HEADER,
    'import type { ValidateFunction } from "ajv/dist/2020.js";',
    "export declare const validate: ValidateFunction;",
    "export default validate;",
    "",
  ].join("\n");
}
