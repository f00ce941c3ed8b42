import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";

// The CLI imports only the module of the command it runs, so that `smelter --help` and `smelter validate` do not
// load DuckDB, the AWS SDK, the database drivers or the web server. A module hook records every module the
// process resolves.

const work = mkdtempSync(join(tmpdir(), "smelter-cli-main-"));
after(() => rmSync(work, { recursive: true, force: true }));
const hooks = join(work, "hooks.mjs");
writeFileSync(
  hooks,
  `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  appendFileSync(process.env.SMELTER_TEST_MODULES, found.url + "\\n");
  return found;
}
`,
);
const preload = join(work, "preload.mjs");
writeFileSync(
  preload,
  `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

/** Runs the CLI; returns its exit code, output and the URLs of the modules it resolved. */
function smelter(...args: string[]) {
  const list = join(work, `modules-${args.join("-").replace(/\W+/g, "_")}.txt`);
  writeFileSync(list, "");
  const run = spawnSync(process.execPath, ["--import", preload, "bin/smelter.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, SMELTER_TEST_MODULES: list },
  });
  const modules = readFileSync(list, "utf8").split("\n").filter(Boolean);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, modules };
}

const HEAVY = ["@duckdb/", "@aws-sdk/", "/mysql2/", "/express/", "/axios/"];
const heavy = (modules: string[]) => modules.filter((m) => HEAVY.some((h) => m.includes(h)));
const commandModules = (modules: string[]) => [
  ...new Set(modules.filter((m) => m.includes("/src/cli/commands/")).map((m) => m.replace(/.*\//, ""))),
];

test("--help lists every command and imports none of their modules", () => {
  const run = smelter("--help");
  assert.equal(run.code, 0, run.stderr);
  for (const name of [
    "validate",
    "generate",
    "plan",
    "demo",
    "serve",
    "publish",
    "status",
    "run",
    "trigger",
  ]) {
    assert.match(run.stdout, new RegExp(`^  ${name} `, "m"));
  }
  assert.deepEqual(commandModules(run.modules), []);
  assert.deepEqual(heavy(run.modules), []);
});

test("a command's own --help shows its options, importing only its module", () => {
  const run = smelter("help", "validate");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Usage: smelter validate \[options\] <spec\.\.\.>/);
  assert.match(run.stdout, /--format <format>/);
  assert.deepEqual(commandModules(run.modules), ["validate.ts"]);
});

test("validate loads no database driver, SDK or web server", () => {
  const run = smelter("validate", "examples/social.yaml");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(heavy(run.modules), []);
});

test("--version prints package.json's version", () => {
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
  const run = smelter("--version");
  assert.equal(run.code, 0);
  assert.equal(run.stdout.trim(), version);
});
