import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { missingWireHooks } from "../../../src/sources/mariadb/wire-read.ts";

// The wire reader hooks into mysql2's query command; it checks those internals before it is used, so that a
// mysql2 that changed them is read through its row events instead of landing nothing.

const mysql2 = createRequire(import.meta.url)("mysql2") as {
  createQuery: (sql: object, values: undefined, cb: undefined, config: object) => object;
};
const queryPrototype = Object.getPrototypeOf(
  mysql2.createQuery({ sql: "SELECT 1" }, undefined, undefined, {}),
) as Record<string, unknown>;

test("the pinned mysql2 has every internal the wire reader hooks", () => {
  assert.equal(missingWireHooks(), null);
});

test("a mysql2 that enters its row state another way is named as missing that hook", () => {
  const original = queryPrototype.fieldsEOF;
  queryPrototype.fieldsEOF = function fieldsEOF() {
    return queryPrototype.row;
  };
  try {
    assert.equal(missingWireHooks(), "Query.prototype.fieldsEOF returning this.row");
  } finally {
    queryPrototype.fieldsEOF = original;
  }
  assert.equal(missingWireHooks(), null);
});
