import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataError } from "../../../src/errors.ts";
import { mapPostgresColumn } from "../../../src/sources/postgres/types.ts";
import type { SourceColumn } from "../../../src/sources/types.ts";
import { columnType } from "../../../src/warehouse/postgres/types.ts";

function column(
  dataType: string,
  columnType = dataType,
  precision: number | null = null,
  scale: number | null = null,
): SourceColumn {
  return { name: "c", dataType, columnType, nullable: true, precision, scale };
}

/** Parquet type, the PostgreSQL warehouse type bronze gives the column (overrides are the warehouse's), input. */
const types = (c: SourceColumn, override?: string) => {
  const m = mapPostgresColumn(c, "tables.t (source s)");
  const landed = { name: c.name, logical: m.logical, parquetType: m.parquetType };
  return [m.parquetType, columnType(override ? { ...landed, override } : landed), m.input];
};

describe("PostgreSQL type mapping", () => {
  it("maps the simple types one to one", () => {
    assert.deepEqual(types(column("bigint")), ["BIGINT", "bigint", "text"]);
    assert.deepEqual(types(column("boolean")), ["BOOLEAN", "boolean", "text"]);
    assert.deepEqual(types(column("timestamp with time zone")), ["TIMESTAMPTZ", "timestamptz", "text"]);
    assert.deepEqual(types(column("timestamp without time zone")), ["TIMESTAMP", "timestamp", "text"]);
    assert.deepEqual(types(column("jsonb")), ["JSON", "jsonb", "text"]);
    assert.deepEqual(types(column("uuid")), ["VARCHAR", "uuid", "text"]);
    assert.deepEqual(types(column("character varying", "character varying(20)")), [
      "VARCHAR",
      "text",
      "text",
    ]);
    assert.deepEqual(types(column("interval")), ["VARCHAR", "interval", "text"]);
    assert.deepEqual(types(column("bytea")), ["BLOB", "bytea", "blob"]);
  });

  it("keeps numeric up to 38 digits as DECIMAL, wider or unconstrained as exact text", () => {
    assert.deepEqual(types(column("numeric", "numeric(12,2)", 12, 2)), [
      "DECIMAL(12,2)",
      "numeric(12,2)",
      "text",
    ]);
    assert.deepEqual(types(column("numeric", "numeric(60,20)", 60, 20)), [
      "VARCHAR",
      "numeric(60,20)",
      "text",
    ]);
    assert.deepEqual(types(column("numeric")), ["VARCHAR", "numeric", "text"]);
  });

  it("lands arrays as their text form, typed back as the same array in the warehouse", () => {
    assert.deepEqual(types(column("ARRAY", "integer[]")), ["VARCHAR", "integer[]", "text"]);
    assert.deepEqual(types(column("ARRAY", "numeric(10,2)[]")), ["VARCHAR", "numeric(10,2)[]", "text"]);
    assert.deepEqual(mapPostgresColumn(column("ARRAY", "text[]"), "t").logical, {
      type: "array",
      of: { type: "string" },
    });
  });

  it("records json as verbatim text and jsonb as a document", () => {
    assert.deepEqual(mapPostgresColumn(column("json"), "t").logical, { type: "json", verbatim: true });
    assert.deepEqual(mapPostgresColumn(column("jsonb"), "t").logical, { type: "json" });
  });

  it("replaces the warehouse type with a typeOverrides entry", () => {
    assert.deepEqual(types(column("text"), "citext"), ["VARCHAR", "citext", "text"]);
  });

  it("rejects types it cannot land with a DataError naming table and column", () => {
    assert.throws(
      () => mapPostgresColumn(column("tsvector"), "tables.t (source s)"),
      (e: unknown) => e instanceof DataError && /column "c" has type tsvector/.test(e.message),
    );
  });
});
