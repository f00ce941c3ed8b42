import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// What `npm pack` puts in the package: the CLI, its sources and runtime files, the schema, the docs a user reads
// first; never tests, fixtures, benchmarks, the local stack or the Airflow plugin (a Python package of its own).

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
  bin: Record<string, string>;
  types: string;
  exports: Record<string, string | { types: string; default: string }>;
};

// --ignore-scripts: the list, without building dist/ (the prepack build adds dist/ to what is allowed below).
const packed = JSON.parse(
  execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
  }),
) as { files: { path: string }[] }[];
const files = packed[0]!.files.map((f) => f.path);

const ALLOWED = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  /^bin\/smelter\.js$/,
  /^src\/.+\.(ts|sql|css|js)$/,
  /^dist\/.+\.(js|d\.ts)$/,
  /^schema\/pipeline\.schema\.json$/,
  /^schema\/pipeline-validator\.(js|d\.ts)$/,
  /^examples\/social\.yaml$/,
];

test("the package holds only the CLI, its sources and runtime files, the schema and the top-level docs", () => {
  assert.deepEqual(
    files.filter((f) => !ALLOWED.some((a) => a.test(f))),
    [],
  );
  assert.deepEqual(
    files.filter((f) =>
      /(^|\/)(test|tests|fixtures|bench|docs|__pycache__)\/|\.test\.ts$|^airflow-plugins\//.test(f),
    ),
    [],
  );
});

test("the package holds what the CLI and the service read at run time", () => {
  for (const needed of [
    "package.json",
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    manifest.bin.smelter!,
    "src/cli/main.ts",
    "src/index.ts",
    "src/state/migrations/001_service.sql",
    "src/ui/assets/ui.css",
    "src/ui/assets/log.js",
    "schema/pipeline.schema.json",
    "schema/pipeline-validator.js",
    "examples/social.yaml",
  ]) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
});

test("exports and types point at the build of src/index.ts and at packed files", () => {
  const root = manifest.exports["."] as { types: string; default: string };
  assert.equal(root.types, manifest.types);
  assert.equal(root.types, "./dist/index.d.ts");
  assert.equal(root.default, "./dist/index.js");
  assert.ok(
    existsSync(`${ROOT}src/index.ts`),
    "the library entry src/index.ts exists (built to dist/index.js)",
  );
  for (const [key, target] of Object.entries(manifest.exports)) {
    if (key === ".") continue;
    assert.ok(files.includes(String(target).replace(/^\.\//, "")), `${key} → ${target} is packed`);
  }
});
