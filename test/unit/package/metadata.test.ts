import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// The two packages of the repository, the npm package (package.json) and the Airflow plugin
// (airflow-plugins/pyproject.toml), name one repository and carry one version, each written once.

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  repository: { type: string; url: string };
};
const pyproject = readFileSync(join(ROOT, "airflow-plugins/pyproject.toml"), "utf8");
const PLUGIN_SRC = join(ROOT, "airflow-plugins/src/smelter_airflow");

/** The key = "value" lines of one [section] of pyproject.toml. */
function tomlSection(name: string): Map<string, string> {
  const start = pyproject.indexOf(`\n[${name}]\n`);
  assert.ok(start >= 0, `pyproject.toml has [${name}]`);
  const body = pyproject.slice(start + name.length + 4).split(/\n\[/)[0]!;
  return new Map([...body.matchAll(/^([A-Za-z_-]+) = "([^"]*)"$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The repository's web address: package.json's git URL without `git+` and `.git`. */
const repositoryWeb = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

test("package.json names the repository as a git URL of the GitHub project", () => {
  assert.equal(manifest.repository.type, "git");
  assert.match(manifest.repository.url, /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
});

test("the plugin's project URLs are package.json's repository and addresses inside it", () => {
  const urls = tomlSection("project.urls");
  assert.equal(urls.get("Repository"), repositoryWeb);
  for (const [label, url] of urls) {
    assert.ok(url === repositoryWeb || url.startsWith(`${repositoryWeb}/`), `${label} = ${url}`);
  }
});

test("the plugin's version is written once, in smelter_airflow/__init__.py, and is the npm package's", () => {
  assert.match(pyproject, /^dynamic = \["version"\]$/m);
  assert.doesNotMatch(pyproject, /^version\s*=/m);
  assert.equal(tomlSection("tool.hatch.version").get("path"), "src/smelter_airflow/__init__.py");
  const init = readFileSync(join(PLUGIN_SRC, "__init__.py"), "utf8");
  const versions = [...init.matchAll(/^__version__ = "([^"]+)"$/gm)].map((m) => m[1]);
  // One changelog lists both packages under shared version headings.
  assert.deepEqual(versions, [manifest.version]);
  const elsewhere = readdirSync(PLUGIN_SRC, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".py") && f !== "__init__.py")
    .filter((f) => readFileSync(join(PLUGIN_SRC, f), "utf8").includes(`"${manifest.version}"`));
  assert.deepEqual(elsewhere, [], "no other module writes the version out");
});
