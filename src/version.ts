import { readFileSync } from "node:fs";

/**
 * smelter's version, read from package.json (the one place it is written), for `smelter --version` and the
 * OpenAPI document. Read from `../package.json` relative to this file, which holds for `src/` and for `dist/`.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
