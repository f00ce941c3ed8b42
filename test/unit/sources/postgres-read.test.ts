import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { literal } from "../../../src/sources/postgres/read.ts";

describe("PostgreSQL read bounds as literals (COPY takes no parameters)", () => {
  it("escapes quotes and backslashes in text, and writes numbers, bytes and NULL", () => {
    assert.equal(literal("2026-01-01 00:00:00"), "E'2026-01-01 00:00:00'");
    assert.equal(literal("it's a \\ back'slash"), "E'it''s a \\\\ back''slash'");
    assert.equal(literal(42), "42");
    assert.equal(literal(Buffer.from([0, 255])), "decode('00ff', 'hex')");
    assert.equal(literal(null), "NULL");
  });
});
