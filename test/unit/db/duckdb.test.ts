import assert from "node:assert/strict";
import { test } from "node:test";
import { borrowDuckdb, closeKeptDuckdb } from "../../../src/db/duckdb.ts";

test("a released instance is lent again to the next borrower with the same settings, and only to one", async () => {
  const first = await borrowDuckdb({ threads: 1, memoryBytes: 64 * 1024 * 1024 });
  const meanwhile = await borrowDuckdb({ threads: 1, memoryBytes: 64 * 1024 * 1024 });
  assert.notEqual(meanwhile.instance, first.instance, "an instance lent out is not lent twice");
  await first.release(true);
  const second = await borrowDuckdb({ threads: 1, memoryBytes: 64 * 1024 * 1024 });
  assert.equal(second.instance, first.instance);
  const other = await borrowDuckdb({ threads: 1 });
  assert.notEqual(other.instance, first.instance, "other settings, another instance");
  for (const lease of [meanwhile, second, other]) await lease.release(true);
  await closeKeptDuckdb();
});

test("an instance whose work failed is closed instead of lent again", async () => {
  const failed = await borrowDuckdb({ threads: 1, spill: true });
  await failed.release(false);
  await failed.release(true);
  const next = await borrowDuckdb({ threads: 1, spill: true });
  assert.notEqual(next.instance, failed.instance);
  const connection = await next.instance.connect();
  const reader = await connection.runAndReadAll("SELECT current_setting('temp_directory') AS dir");
  assert.match(String(reader.getRowObjects()[0]?.dir), /smelter-duckdb-/);
  connection.closeSync();
  await next.release(true);
  await closeKeptDuckdb();
});
