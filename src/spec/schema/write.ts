import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SCHEMA_PATH, schemaFileText } from "./pipeline.ts";

// `npm run schema`: publishes the pipeline format defined in this folder as schema/pipeline.schema.json.
writeFileSync(SCHEMA_PATH, schemaFileText());
console.log(`wrote ${fileURLToPath(SCHEMA_PATH)}`);
