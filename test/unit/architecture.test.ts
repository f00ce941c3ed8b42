import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * The folder picture of src/ is the architecture: each part may import only the parts below it in this list
 * (a part is a folder of src/, or a file directly in it). Everything that runs steps rests on the spec and the
 * contracts; the service, its jobs and the CLI sit on top.
 */
const LAYERS = [
  "version.ts",
  "errors.ts",
  "logical-type.ts",
  "webhooks.ts",
  "secrets.ts",
  "config.ts",
  "log.ts",
  "trace.ts",
  "db",
  "spec",
  "contracts",
  "compiler",
  "sources",
  "landing",
  "warehouse",
  "registry.ts",
  "executors",
  "state",
  "runtime",
  "airflow",
  "ui",
  "http",
  "notify",
  "scheduler",
  "demo",
  "cli",
  "index.ts",
];

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The part of src/ a path belongs to: its first segment under src/. */
function partOf(path: string): string {
  return relative(SRC, path).split(/[\\/]/)[0] as string;
}

/** Relative specifiers of static imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) {
    found.push(m[1] as string);
  }
  return found;
}

test("every part of src/ is placed in the layer order", () => {
  const parts = new Set(sourceFiles(SRC).map(partOf));
  const unplaced = [...parts].filter((p) => !LAYERS.includes(p));
  assert.deepEqual(unplaced, [], "add new folders of src/ to LAYERS in test/unit/architecture.test.ts");
});

test("no part of src/ imports from a part above it", () => {
  const upward: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = partOf(file);
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), spec);
      const to = partOf(target);
      if (to !== from && LAYERS.indexOf(to) > LAYERS.indexOf(from)) {
        upward.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
      }
    }
  }
  assert.deepEqual(upward, []);
});

test("the layer check sees imports, re-exports and dynamic imports", () => {
  const text = [
    'import { a } from "../warehouse/index.ts";',
    'import type { B } from "./b.ts";',
    'export type * from "../spec/types.ts";',
    'const m = await import("../cli/main.ts");',
    'import "../side-effect.ts";',
  ].join("\n");
  assert.deepEqual(importsOf(text), [
    "../warehouse/index.ts",
    "./b.ts",
    "../spec/types.ts",
    "../cli/main.ts",
    "../side-effect.ts",
  ]);
});
