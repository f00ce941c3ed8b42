import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { castSql, encodeRows, fieldEncoder, readCsvSql } from "../../../src/executors/extract-csv.ts";
import type { ColumnMapping } from "../../../src/sources/types.ts";

const text: ColumnMapping = { parquetType: "VARCHAR", logical: { type: "string" }, input: "text" };
const json: ColumnMapping = { parquetType: "JSON", logical: { type: "json" }, input: "text" };
const blob: ColumnMapping = { parquetType: "BLOB", logical: { type: "binary" }, input: "blob" };
const int: ColumnMapping = {
  parquetType: "BIGINT",
  logical: { type: "int", bits: 64, signed: true },
  input: "text",
};

describe("CSV encoding of extracted rows", () => {
  it("writes NULL as an empty unquoted field and the empty string quoted", () => {
    const enc = fieldEncoder(text);
    assert.equal(enc(null), "");
    assert.equal(enc(undefined), "");
    assert.equal(enc(""), '""');
  });

  it("quotes text and doubles quotes, keeping commas and line breaks inside the field", () => {
    assert.equal(fieldEncoder(text)('a,"b"\nc'), '"a,""b""\nc"');
    assert.equal(fieldEncoder(json)('{"k": 1}'), '"{""k"": 1}"');
  });

  it("writes bytes as quoted hex, so an empty blob differs from NULL", () => {
    const enc = fieldEncoder(blob);
    assert.equal(enc(Buffer.from([0, 255, 16])), '"00ff10"');
    assert.equal(enc(Buffer.alloc(0)), '""');
    assert.equal(enc(null), "");
    assert.equal(enc(Buffer.from([1, 2, 3]).subarray(1)), '"0203"');
  });

  it("writes numbers and typed text as they are, through the mapping's toText", () => {
    assert.equal(fieldEncoder(int)(42), "42");
    assert.equal(fieldEncoder(int)("18446744073709551615"), "18446744073709551615");
    const zero: ColumnMapping = { ...int, toText: (v) => (v === "0" ? null : String(v)) };
    assert.equal(fieldEncoder(zero)("0"), "");
  });

  it("encodes rows as lines and reports the longest one", () => {
    const { text: csv, longest } = encodeRows(
      [fieldEncoder(int), fieldEncoder(text)],
      [
        [1, "x"],
        [2, null],
      ],
    );
    assert.equal(csv, '1,"x"\n2,\n');
    assert.equal(longest, 5);
  });

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
  });
});
