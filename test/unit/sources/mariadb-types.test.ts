import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataError } from "../../../src/errors.ts";
import { mapMariadbColumn } from "../../../src/sources/mariadb/types.ts";
import type { ColumnMapping, SourceColumn } from "../../../src/sources/types.ts";
import { columnType } from "../../../src/warehouse/postgres/types.ts";

/** The PostgreSQL warehouse type a landed column gets (the override is the warehouse's to apply). */
const pg = (m: ColumnMapping, override?: string) =>
  columnType({
    name: "c",
    logical: m.logical,
    parquetType: m.parquetType,
    ...(override ? { override } : {}),
  });

function column(
  dataType: string,
  columnType = dataType,
  precision: number | null = null,
  scale: number | null = null,
): SourceColumn {
  return { name: "c", dataType, columnType, nullable: true, precision, scale };
}

const map = (c: SourceColumn, override?: string) =>
  mapMariadbColumn(c, "tables.t (source s)", "+00:00", override);
const types = (c: SourceColumn, override?: string) => {
  const m = map(c, override);
  return [m.parquetType, pg(m, override), m.input];
};

describe("MariaDB/MySQL type mapping", () => {
  it("maps integers by width and signedness, unsigned BIGINT to UBIGINT / numeric(20,0)", () => {
    assert.deepEqual(types(column("tinyint", "tinyint(1)")), ["TINYINT", "smallint", "text"]);
    assert.deepEqual(types(column("tinyint", "tinyint(3) unsigned")), ["UTINYINT", "smallint", "text"]);
    assert.deepEqual(types(column("smallint", "smallint(5) unsigned")), ["USMALLINT", "integer", "text"]);
    assert.deepEqual(types(column("mediumint", "mediumint(8) unsigned")), ["INTEGER", "integer", "text"]);
    assert.deepEqual(types(column("int", "int(10) unsigned")), ["UINTEGER", "bigint", "text"]);
    assert.deepEqual(types(column("bigint", "bigint(20)")), ["BIGINT", "bigint", "text"]);
    assert.deepEqual(types(column("bigint", "bigint(20) unsigned")), ["UBIGINT", "numeric(20,0)", "text"]);
    assert.equal(map(column("int")).toText?.(42), "42");
  });

  it("keeps DECIMAL up to 38 digits as DECIMAL and wider ones as exact text", () => {
    assert.deepEqual(types(column("decimal", "decimal(38,10)", 38, 10)), [
      "DECIMAL(38,10)",
      "numeric(38,10)",
      "text",
    ]);
    assert.deepEqual(types(column("decimal", "decimal(65,30)", 65, 30)), [
      "VARCHAR",
      "numeric(65,30)",
      "text",
    ]);
  });

  it("turns zero dates into NULL and counts them; TIMESTAMP gets the session offset", () => {
    const date = map(column("date"));
    assert.equal(date.parquetType, "DATE");
    assert.equal(date.toText?.("0000-00-00"), null);
    assert.equal(date.toText?.("2026-00-10"), null);
    assert.equal(date.toText?.("2026-03-04"), "2026-03-04");
    assert.equal(date.nulled?.count, 2);
    const ts = map(column("timestamp", "timestamp(3)"));
    assert.deepEqual([ts.parquetType, pg(ts)], ["TIMESTAMPTZ", "timestamptz"]);
    assert.equal(ts.toText?.("2026-03-04 05:06:07.123"), "2026-03-04 05:06:07.123+00:00");
    assert.equal(ts.toText?.("0000-00-00 00:00:00.000"), null);
    assert.equal(
      map(column("datetime")).toText?.("2026-03-04 05:06:07.123456"),
      "2026-03-04 05:06:07.123456",
    );
    assert.equal(map(column("datetime")).toText?.(null), null);
  });

  it("reads BIT(1) as a boolean and wider BITs as an unsigned integer", () => {
    const b1 = map(column("bit", "bit(1)", 1));
    assert.equal(b1.parquetType, "BOOLEAN");
    assert.equal(b1.toText?.(Buffer.from([1])), "true");
    assert.equal(b1.toText?.(Buffer.from([0])), "false");
    const b64 = map(column("bit", "bit(64)", 64));
    assert.deepEqual([b64.parquetType, pg(b64)], ["UBIGINT", "numeric(20,0)"]);
    assert.equal(b64.toText?.(Buffer.alloc(8, 0xff)), "18446744073709551615");
  });

  it("maps text, enum, set, JSON, binary, time, uuid and inet", () => {
    for (const t of ["char", "varchar", "text", "longtext", "enum", "set"])
      assert.deepEqual(types(column(t)), ["VARCHAR", "text", "text"], t);
    for (const t of ["binary", "varbinary", "blob", "longblob"])
      assert.deepEqual(types(column(t)), ["BLOB", "bytea", "blob"], t);
    assert.deepEqual(types(column("json")), ["JSON", "jsonb", "text"]);
    assert.deepEqual(types(column("time")), ["VARCHAR", "interval", "text"]);
    assert.deepEqual(types(column("uuid")), ["VARCHAR", "uuid", "text"]);
    assert.deepEqual(types(column("inet6")), ["VARCHAR", "inet", "text"]);
    assert.deepEqual(types(column("year")), ["SMALLINT", "smallint", "text"]);
    assert.deepEqual(types(column("double")), ["DOUBLE", "double precision", "text"]);
  });

  it("applies typeOverrides: boolean on an integer lands a parquet BOOLEAN, others replace the warehouse type", () => {
    const flag = map(column("tinyint", "tinyint(1)"), "boolean");
    assert.deepEqual([flag.parquetType, pg(flag, "boolean")], ["BOOLEAN", "boolean"]);
    assert.deepEqual([flag.toText?.(0), flag.toText?.(7), flag.toText?.(null)], ["false", "true", null]);
    assert.deepEqual(types(column("varchar"), "citext"), ["VARCHAR", "citext", "text"]);
  });

  it("rejects types it cannot land with a DataError naming table and column", () => {
    assert.throws(
      () => map(column("geometry", "point")),
      (e: unknown) =>
        e instanceof DataError && /tables\.t \(source s\): column "c" has type point/.test(e.message),
    );
  });
});
