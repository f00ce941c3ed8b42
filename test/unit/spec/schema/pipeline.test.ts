import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  VALIDATOR_PATH,
  VALIDATOR_TYPES_PATH,
  validatorFileText,
  validatorTypesText,
} from "../../../../src/spec/schema/compile.ts";
import { SCHEMA_PATH, schemaFileText } from "../../../../src/spec/schema/pipeline.ts";

test("schema/pipeline.schema.json is what `npm run schema` writes from src/spec/schema/", () => {
  const published = readFileSync(SCHEMA_PATH, "utf8").split("\n");
  const generated = schemaFileText().split("\n");
  const line = generated.findIndex((text, i) => text !== published[i]);
  const at = line === -1 ? published.length : line;
  assert.ok(
    line === -1 && published.length === generated.length,
    `schema/pipeline.schema.json is stale from line ${at + 1} (has ${JSON.stringify(published[at] ?? "")}, ` +
      `the definitions give ${JSON.stringify(generated[at] ?? "")}): run \`npm run schema\` to regenerate it`,
  );
});

test("the compiled validator is what `npm run schema` writes from the same definitions", () => {
  const written = readFileSync(VALIDATOR_PATH, "utf8");
  assert.ok(
    written === validatorFileText(),
    "schema/pipeline-validator.js is stale: run `npm run schema` to regenerate it",
  );
  assert.ok(
    readFileSync(VALIDATOR_TYPES_PATH, "utf8") === validatorTypesText(),
    "schema/pipeline-validator.d.ts is stale: run `npm run schema` to regenerate it",
  );
});
