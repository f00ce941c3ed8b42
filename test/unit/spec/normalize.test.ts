import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPipeline } from "../../../src/registry.ts";
import { pipelineSchema } from "../../../src/spec/schema/pipeline.ts";

/** YAML properties whose loaded name is not just the camelCase spelling, and where they end up. */
const RENAMED: Record<string, string> = {
  lag: "lagSeconds",
  retry_delay: "retryDelaySeconds",
  execution_timeout: "executionTimeoutSeconds",
  wait_before_defer: "waitBeforeDeferSeconds",
  warn_after: "warnAfterSeconds",
  error_after: "errorAfterSeconds",
  primary_key: "primaryKey",
  // `defaults` is folded into every table; `every_runs` lives under deletes
  defaults: "tables",
};

const FIXTURES = [
  ...["minimal", "social", "per_source"].map((n) => `test/fixtures/specs/${n}.yaml`),
  "test/fixtures/split/shop.yaml",
];

function schemaProperties(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) schemaProperties(item, into);
  } else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties") for (const p of Object.keys(value as object)) into.add(p);
      schemaProperties(value, into);
    }
  }
  return into;
}

function loadedKeys(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) loadedKeys(item, into);
  } else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      into.add(key);
      loadedKeys(value, into);
    }
  }
  return into;
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

test("every property of the schema is used by a fixture and reaches the loaded spec", async () => {
  const schema = pipelineSchema();
  const keys = new Set<string>();
  for (const file of FIXTURES) loadedKeys((await loadPipeline(file)).spec, keys);
  const missing = [...schemaProperties(schema, new Set())]
    .filter((p) => p !== "env" && p !== "file") // secret references are kept as written
    .filter((p) => !keys.has(RENAMED[p] ?? camel(p)));
  assert.deepEqual(missing, []);
});
