// Written by `npm run schema` (src/spec/schema/compile.ts) from the definitions there; do not edit.
import type { ValidateFunction } from "ajv/dist/2020.js";
export declare const validate: ValidateFunction;
export default validate;
