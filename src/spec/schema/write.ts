import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VALIDATOR_PATH, VALIDATOR_TYPES_PATH, validatorFileText, validatorTypesText } from "./compile.ts";
import { SCHEMA_PATH, schemaFileText } from "./pipeline.ts";

// `npm run schema`: publishes the pipeline format defined in this folder as schema/pipeline.schema.json, and
// writes the validator compiled from it beside it.
for (const [path, text] of [
  [SCHEMA_PATH, schemaFileText()],
  [VALIDATOR_PATH, validatorFileText()],
  [VALIDATOR_TYPES_PATH, validatorTypesText()],
] as const) {
  writeFileSync(path, text);
  console.log(`wrote ${fileURLToPath(path)}`);
}
