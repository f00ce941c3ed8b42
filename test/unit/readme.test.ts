import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parsePipeline } from "../../src/registry.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

test("the pipeline shown in the README is a valid spec", () => {
  const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "README has a yaml block");
  const loaded = parsePipeline(block, "README.md");
  assert.equal(loaded.spec.name, "social");
  assert.deepEqual(
    loaded.spec.tables.map((t) => t.name),
    ["posts"],
  );
});

test("every doc the README links to exists", () => {
  for (const [, target] of readme.matchAll(/\]\(((?:docs|examples|schema)\/[^)#]+|CONTRACTS\.md)[^)]*\)/g)) {
    assert.doesNotThrow(() => readFileSync(new URL(`../../${target}`, import.meta.url)), target);
  }
});
