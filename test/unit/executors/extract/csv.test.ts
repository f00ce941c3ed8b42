import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { castSql, readCsvSql } from "../../../../src/executors/extract/csv.ts";
import type { ColumnMapping } from "../../../../src/sources/types.ts";

const text: ColumnMapping = { parquetType: "VARCHAR", logical: { type: "string" }, input: "text" };
const _json: ColumnMapping = { parquetType: "JSON", logical: { type: "json" }, input: "text" };
const blob: ColumnMapping = { parquetType: "BLOB", logical: { type: "binary" }, input: "blob" };
const int: ColumnMapping = {
  parquetType: "BIGINT",
  logical: { type: "int", bits: 64, signed: true },
  input: "text",
};

describe("reading extracted CSV parts into parquet", () => {
  it("reads every column as VARCHAR and casts in the select (blobs through unhex)", () => {
    const sql = readCsvSql("/tmp/p'art.csv", 2, 10);
    assert.match(sql, /read_csv\('\/tmp\/p''art\.csv', columns = \{'c0': 'VARCHAR', 'c1': 'VARCHAR'\}/);
    assert.match(sql, /allow_quoted_nulls = false/);
    assert.match(readCsvSql("/p.csv", 1, 30_000_000), /max_line_size = 30001024/);
    assert.equal(castSql(blob, 3), "unhex(c3)");
    assert.equal(castSql(text, 0), "c0");
    assert.equal(castSql(int, 1), "CAST(c1 AS BIGINT)");
  });

  it("parses a DECIMAL wider than 18 digits as DECIMAL(18,s) first, the wide parse only for what does not fit", () => {
    const decimal = (parquetType: string) => ({
      parquetType,
      logical: { type: "decimal", precision: null, scale: null } as const,
      input: "text" as const,
    });
    assert.equal(castSql(decimal("DECIMAL(12,2)"), 0), "CAST(c0 AS DECIMAL(12,2))");
    assert.equal(
      castSql(decimal("DECIMAL(20,4)"), 2),
      "coalesce(CAST(TRY_CAST(c2 AS DECIMAL(18,4)) AS DECIMAL(20,4)), CAST(c2 AS DECIMAL(20,4)))",
    );
    assert.equal(castSql(decimal("DECIMAL(38,20)"), 1), "CAST(c1 AS DECIMAL(38,20))");
    assert.equal(
      castSql(decimal("DECIMAL(38,0)"), 4),
      "coalesce(CAST(TRY_CAST(c4 AS HUGEINT) AS DECIMAL(38,0)), CAST(c4 AS DECIMAL(38,0)))",
    );
  });
});
