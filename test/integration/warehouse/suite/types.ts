import assert from "node:assert/strict";
import { describe } from "node:test";
import { bronze } from "../../../../src/executors/bronze/index.ts";
import { silver } from "../../../../src/executors/silver.ts";
import { type Row, silverModel, type TestColumn, tableSpec } from "../fixture.ts";
import { type SuiteContext, suiteTest, type TextRow } from "../harness.ts";
import { fixtures } from "./context.ts";

/**
 * One column per neutral type, landed with the parquet type extract gives it (docs/types.md), and three rows:
 * the largest values, the smallest, and NULL everywhere but the key.
 */
const TYPES: TestColumn[] = [
  { name: "id", duck: "BIGINT", logical: { type: "int", bits: 64, signed: true } },
  { name: "updated_at", duck: "TIMESTAMP", logical: { type: "timestamp", zoned: false } },
  { name: "i8", duck: "TINYINT", logical: { type: "int", bits: 8, signed: true } },
  { name: "u8", duck: "UTINYINT", logical: { type: "int", bits: 8, signed: false } },
  { name: "i16", duck: "SMALLINT", logical: { type: "int", bits: 16, signed: true } },
  { name: "u16", duck: "USMALLINT", logical: { type: "int", bits: 16, signed: false } },
  { name: "i32", duck: "INTEGER", logical: { type: "int", bits: 32, signed: true } },
  { name: "u32", duck: "UINTEGER", logical: { type: "int", bits: 32, signed: false } },
  { name: "i64", duck: "BIGINT", logical: { type: "int", bits: 64, signed: true } },
  { name: "u64", duck: "UBIGINT", logical: { type: "int", bits: 64, signed: false } },
  { name: "dec", duck: "DECIMAL(38,10)", logical: { type: "decimal", precision: 38, scale: 10 } },
  { name: "dec_wide", duck: "VARCHAR", logical: { type: "decimal", precision: 65, scale: 30 } },
  { name: "f32", duck: "FLOAT", logical: { type: "float", bits: 32 } },
  { name: "f64", duck: "DOUBLE", logical: { type: "float", bits: 64 } },
  { name: "flag", duck: "BOOLEAN", logical: { type: "boolean" } },
  { name: "txt", duck: "VARCHAR", logical: { type: "string" } },
  { name: "doc", duck: "JSON", logical: { type: "json" } },
  { name: "bytes", duck: "BLOB", logical: { type: "binary" } },
  { name: "uid", duck: "VARCHAR", logical: { type: "uuid" } },
  { name: "addr", duck: "VARCHAR", logical: { type: "inet" } },
  { name: "day", duck: "DATE", logical: { type: "date" } },
  { name: "clock", duck: "VARCHAR", logical: { type: "time" } },
  { name: "span", duck: "VARCHAR", logical: { type: "interval" } },
  { name: "ts", duck: "TIMESTAMP", logical: { type: "timestamp", zoned: false } },
  { name: "tstz", duck: "TIMESTAMPTZ", logical: { type: "timestamp", zoned: true } },
  { name: "ints", duck: "VARCHAR", logical: { type: "array", of: { type: "int", bits: 32, signed: true } } },
];

const LONG = "ü".repeat(50_000) + "😀".repeat(25_000);

/** What each row lands with: text for every value a JSON number could not carry exactly. */
const ROWS: Row[] = [
  {
    id: 1,
    updated_at: "2024-01-01 00:00:01",
    i8: 127,
    u8: 255,
    i16: 32767,
    u16: 65535,
    i32: 2147483647,
    u32: "4294967295",
    i64: "9223372036854775807",
    u64: "18446744073709551615",
    dec: "9999999999999999999999999999.9999999999",
    dec_wide: "99999999999999999999999999999999999.999999999999999999999999999999",
    f32: "3.4028235e38",
    f64: "1.7976931348623157e308",
    flag: true,
    txt: `tab\tnewline\n"quote" 'single' \\ é 中文 😀 ${LONG}`,
    doc: '{"a":1,"b":[1,2.5,null,true],"cc":{"d":"é😀","e":""}}',
    bytes: "00ff807f0a0d2c22",
    uid: "ffffffff-ffff-4fff-bfff-ffffffffffff",
    addr: "2001:db8::ff00:42:8329",
    day: "9999-12-31",
    clock: "23:59:59.999999",
    span: "838:59:59",
    ts: "9999-12-31 23:59:59.999999",
    tstz: "2038-01-19 03:14:07.999999+00",
    ints: "{2147483647,NULL,-2147483648}",
  },
  {
    id: 2,
    updated_at: "2024-01-01 00:00:01",
    i8: -128,
    u8: 0,
    i16: -32768,
    u16: 0,
    i32: -2147483648,
    u32: "0",
    i64: "-9223372036854775808",
    u64: "0",
    dec: "-9999999999999999999999999999.9999999999",
    dec_wide: "-0.000000000000000000000000000001",
    f32: "-1.4e-45",
    f64: "4.9e-324",
    flag: false,
    txt: "",
    doc: "[]",
    bytes: "",
    uid: "00000000-0000-0000-0000-000000000000",
    addr: "0.0.0.0",
    day: "0001-01-01",
    clock: "00:00:00",
    span: "-838:59:59",
    ts: "0001-01-01 00:00:00",
    tstz: "1970-01-01 00:00:00+00",
    ints: "{}",
  },
  { id: 3, updated_at: "2024-01-01 00:00:01" },
];

const NAMES = TYPES.map((c) => c.name);

/**
 * The value a warehouse's text stands for, where warehouses write the same value differently: floats by the
 * number they denote (at their width), instants without the zone of the session, addresses without a host mask,
 * and decimals of the same value with or without trailing zeros of their scale.
 */
function canonical(column: string, text: string | null): string | null {
  if (text === null) return null;
  switch (column) {
    case "f32":
      return String(Math.fround(Number(text)));
    case "f64":
      return String(Number(text));
    case "tstz":
      return text.replace(/(\+00(:00)?|Z)$/, "");
    case "addr":
      return text.replace(/\/(32|128)$/, "");
    default:
      return text;
  }
}

/** The landed rows as the text every warehouse must give back for them (a missing value is NULL). */
function expected(): TextRow[] {
  return ROWS.map((row) =>
    Object.fromEntries(
      NAMES.map((n) => {
        const v = row[n];
        if (v === undefined || v === null) return [n, null];
        if (n === "doc") return [n, JSON.stringify(JSON.parse(String(v)))];
        if (n === "flag") return [n, String(v)];
        return [n, canonical(n, String(v))];
      }),
    ),
  );
}

function canonicalRows(rows: TextRow[]): TextRow[] {
  return rows.map((row) => Object.fromEntries(NAMES.map((n) => [n, canonical(n, row[n] ?? null)])));
}

/** Value-for-value types every warehouse keeps, from the landed parquet to bronze and to silver. */
export function typesSuite(ctx: SuiteContext): void {
  const fixture = fixtures(ctx);
  describe(`types on ${ctx.harness.kind}`, () => {
    suiteTest(ctx, "every neutral type reaches bronze and silver value for value", async () => {
      const table = tableSpec({ name: "typed", table: "typed" });
      const model = silverModel({
        name: "typed_flat",
        from: "typed",
        includeAll: true,
        columns: [{ name: "id", from: "id" }],
        key: ["id"],
      });
      const fx = await fixture(table, [model]);
      await fx.land(ROWS, { columns: TYPES });
      const request = { pipeline: fx.spec.name, table: "typed" };
      await bronze({ ...request, step: "bronze" }, fx.ctx());
      await silver({ ...request, step: "silver", table: "typed_flat" }, fx.ctx());
      const read = { json: ["doc"], hex: ["bytes"] };
      const want = expected();
      const inBronze = await fx.bronzeRows(NAMES, read);
      for (const [i, row] of canonicalRows(inBronze).entries()) {
        for (const n of NAMES) assert.equal(row[n], want[i]?.[n], `bronze row ${i + 1}, column ${n}`);
      }
      const inSilver = await fx.silverRows("typed_flat", NAMES, read);
      for (const [i, row] of canonicalRows(inSilver).entries()) {
        for (const n of NAMES) assert.equal(row[n], want[i]?.[n], `silver row ${i + 1}, column ${n}`);
      }
      assert.deepEqual([inBronze.length, inSilver.length], [ROWS.length, ROWS.length]);
    });
  });
}
