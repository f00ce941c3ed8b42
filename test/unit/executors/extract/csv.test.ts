import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
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

  it("casts changes read from a log exactly: more decimals than the scale, or a time of day in a DATE, stops the cast", async () => {
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const mapping = (parquetType: string): ColumnMapping => ({
      parquetType,
      logical: { type: "decimal", precision: null, scale: null },
      input: "text",
    });
    const cast = async (type: string, value: string, exact: boolean) => {
      const sql = castSql(mapping(type), 0, exact);
      const reader = await duck.runAndReadAll(`SELECT (${sql})::VARCHAR AS v FROM (SELECT '${value}' AS c0)`);
      return String(reader.getRows()[0]?.[0]);
    };
    for (const type of ["DECIMAL(10,2)", "DECIMAL(20,2)"]) {
      assert.equal(await cast(type, "1.2345", false), "1.23", `${type}: a snapshot's cast rounds as before`);
      await assert.rejects(cast(type, "1.2345", true), /holds more than DECIMAL\(\d+,2\) keeps/);
      await assert.rejects(cast(type, "-0.001", true), /holds more than/);
      assert.equal(await cast(type, "1.2300", true), "1.23", `${type}: zeros past the scale change nothing`);
      assert.equal(await cast(type, "-7", true), "-7.00");
    }
    await assert.rejects(cast("DECIMAL(38,0)", "5.5", true), /holds more than/);
    assert.equal(await cast("DECIMAL(38,0)", "12345678901234567890123", true), "12345678901234567890123");
    assert.equal(await cast("DECIMAL(38,0)", "5.0", true), "5");
    const date = async (value: string, exact: boolean) => {
      const sql = castSql({ parquetType: "DATE", logical: { type: "date" }, input: "text" }, 0, exact);
      const reader = await duck.runAndReadAll(`SELECT (${sql})::VARCHAR AS v FROM (SELECT '${value}' AS c0)`);
      return String(reader.getRows()[0]?.[0]);
    };
    assert.equal(
      await date("2026-05-05 10:11:12", false),
      "2026-05-05",
      "a snapshot's cast drops the time as before",
    );
    await assert.rejects(date("2026-05-05 10:11:12", true), /holds more than DATE keeps/);
    await assert.rejects(date("2026-05-05 00:00:00.5", true), /holds more than DATE keeps/);
    assert.equal(await date("2026-05-05", true), "2026-05-05");
    assert.equal(await date("2026-05-05 00:00:00", true), "2026-05-05");
    duck.closeSync();
  });
});
