import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

// `npm ci` installs exactly what package-lock.json lists and fails on a platform whose optional binary package
// (DuckDB's binding, esbuild's, biome's) the lock lacks (npm/cli#4828). A lock written on one machine must
// therefore list every platform's package.

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
}
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};

/** The lock entry node's resolution finds for NAME required by the package at PATH ("" is the root). */
function resolved(path: string, name: string): LockEntry | undefined {
  for (let dir = path; ; dir = dir.slice(0, Math.max(dir.lastIndexOf("/node_modules/"), 0))) {
    const entry = lock.packages[`${dir ? `${dir}/` : ""}node_modules/${name}`];
    if (entry || dir === "") return entry;
  }
}

test("every optional dependency of every locked package has its own entry in the lock", () => {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolved(path, name)) missing.push(`${path || "(root)"} → ${name}`);
    }
  }
  assert.deepEqual(missing, [], "regenerate the lock with a current npm (npm install) and commit it");
});

test("DuckDB's binding is locked for linux-x64, linux-arm64, darwin-x64 and darwin-arm64", () => {
  const bindings = lock.packages["node_modules/@duckdb/node-bindings"];
  assert.ok(bindings?.version);
  for (const platform of ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"]) {
    const entry = lock.packages[`node_modules/@duckdb/node-bindings-${platform}`];
    assert.equal(entry?.version, bindings.version, platform);
  }
});

const work = mkdtempSync(join(tmpdir(), "smelter-lock-"));
after(() => rmSync(work, { recursive: true, force: true }));
copyFileSync(join(ROOT, "package.json"), join(work, "package.json"));
copyFileSync(join(ROOT, "package-lock.json"), join(work, "package-lock.json"));

for (const [os, cpu] of [
  ["linux", "x64"],
  ["linux", "arm64"],
  ["darwin", "x64"],
  ["darwin", "arm64"],
]) {
  test(`npm ci accepts the lock on ${os}-${cpu} and picks that platform's DuckDB binding`, () => {
    const out = execFileSync(
      "npm",
      ["ci", "--dry-run", `--os=${os}`, `--cpu=${cpu}`, "--ignore-scripts", "--no-audit", "--no-fund"],
      { cwd: work, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "error" } },
    );
    const bindings = [...out.matchAll(/^add @duckdb\/node-bindings-(\S+) /gm)].map((m) => m[1]);
    assert.deepEqual(bindings, [`${os}-${cpu}`]);
  });
}
