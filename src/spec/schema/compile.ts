import { Ajv2020 } from "ajv/dist/2020.js";
import standalone from "ajv/dist/standalone/index.js";
import { pipelineSchema } from "./pipeline.ts";

/**
 * The pipeline schema's validator, compiled ahead of time: `npm run schema` writes it to VALIDATOR_PATH, and
 * validate.ts imports it, so a command that checks a spec loads neither ajv's compiler nor the TypeBox definitions
 * (together ~0.5 s of every `smelter validate`). A unit test keeps the file in step with the definitions.
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

export const VALIDATOR_PATH = new URL("./pipeline-validator.generated.ts", import.meta.url);

/** The text of the compiled validator module: the same definitions and ajv version always give the same bytes. */
export function validatorFileText(): string {
  const ajv = compiler(true);
  const code = standalone.default(ajv, ajv.compile(pipelineSchema()));
  return [
    "// @ts-nocheck",
    "// Written by `npm run schema` (src/spec/schema/compile.ts) from the definitions in this folder; do not edit.",
    'import { createRequire } from "node:module";',
    "const require = createRequire(import.meta.url);",
    code.replace(/^"use strict";\n?/, ""),
    "",
  ].join("\n");
}
