import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import { latestManifest } from "../../../src/landing/index.ts";
import { postgresType } from "../../../src/warehouse/postgres/types.ts";
import {
  context,
  landedRows,
  landingZone,
  MARIADB,
  MYSQL,
  mariadbSpec,
  mariadbTable,
  missingStack,
  readWithPyarrow,
  uniqueName,
} from "./extract-helpers.ts";

for (const server of [MARIADB, MYSQL]) {
  const skip = missingStack(server.urlEnv);

  describe(`${server.label} types round-trip to parquet value for value`, { skip: skip ?? false }, () => {
    const { table, db } = mariadbTable(
      "types",
      async (db, table) => {
        await db.query("SET SESSION sql_mode = ''");
        await db.query(`CREATE TABLE ${table} (
      id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL,
      d_small DECIMAL(10,2), d_wide DECIMAL(38,10), d_huge DECIMAL(65,30),
      u64 BIGINT UNSIGNED, i64 BIGINT, tiny1 TINYINT(1),
      dt6 DATETIME(6), ts TIMESTAMP(3) NULL, dd DATE,
      b1 BIT(1), b12 BIT(12), js JSON, en ENUM('red','green'), st SET('a','b','c'),
      txt VARCHAR(50) CHARACTER SET utf8mb4, bl BLOB, bin BINARY(4)
    )`);
        await db.query(`SET time_zone = '+00:00'`);
        await db.query(
          `INSERT INTO ${table} VALUES
       (1, '2026-01-01', 12345678.90, 1234567890123456789012345678.0123456789,
        12345678901234567890123456789012345.123456789012345678901234567890,
        18446744073709551615, -9223372036854775808, 7,
        '2026-03-04 05:06:07.123456', '2026-03-04 05:06:07.123', '2026-03-04',
        b'1', b'101010101010', '{"a": [1, 2.5, "x"], "b": null}', 'green', 'a,c',
        'emoji 🦄 and ünïcode', X'00FF10', X'DEADBEEF'),
       (2, '2026-01-01', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0000-00-00', NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL)`,
        );
      },
      server,
    );

    it("lands exact values readable by DuckDB and pyarrow with the right logical types", async () => {
      const spec = await mariadbSpec(table, { server });
      const ctx = context(spec);
      await extract({ pipeline: spec.name, step: "extract", table }, ctx);
      assert.ok(ctx.lines.some((l) => l.startsWith("warn") && l.includes("dd: 1 zero date")));
      const zone = landingZone(spec);
      const manifest = await latestManifest(zone, spec.name, table);
      assert.ok(manifest);
      const types = Object.fromEntries(
        manifest.schema.columns.map((c) => [c.name, [c.parquetType, postgresType(c.logical)]]),
      );
      assert.deepEqual(types.d_huge, ["VARCHAR", "numeric(65,30)"]);
      assert.deepEqual(types.u64, ["UBIGINT", "numeric(20,0)"]);
      assert.deepEqual(types.ts, ["TIMESTAMPTZ", "timestamptz"]);

      const [row, nulls] = await landedRows(spec, manifest);
      assert.ok(row && nulls);
      assert.equal(row.d_small, "12345678.90");
      assert.equal(row.d_wide, "1234567890123456789012345678.0123456789");
      assert.equal(row.d_huge, "12345678901234567890123456789012345.123456789012345678901234567890");
      assert.equal(row.u64, "18446744073709551615");
      assert.equal(row.i64, "-9223372036854775808");
      assert.equal(row.tiny1, 7);
      assert.equal(row.dt6, "2026-03-04 05:06:07.123456");
      assert.equal(row.ts, "2026-03-04 05:06:07.123+00");
      assert.equal(row.dd, "2026-03-04");
      assert.equal(row.b1, true);
      assert.equal(row.b12, "2730");
      assert.deepEqual(JSON.parse(String(row.js)), { a: [1, 2.5, "x"], b: null });
      assert.equal(row.en, "green");
      assert.equal(row.st, "a,c");
      assert.equal(row.txt, "emoji 🦄 and ünïcode");
      assert.equal(row.bl, "\\x00\\xFF\\x10");
      assert.equal(row.bin, "\\xDE\\xAD\\xBE\\xEF");
      for (const [k, v] of Object.entries(nulls))
        if (!["id", "updated_at"].includes(k)) assert.equal(v, null, k);

      const py = readWithPyarrow(zone, manifest.files[0]?.key);
      assert.equal(py.types.d_small, "decimal128(10, 2)");
      assert.equal(py.types.u64, "uint64");
      assert.equal(py.types.dt6, "timestamp[us]");
      assert.equal(py.types.ts, "timestamp[us, tz=UTC]");
      assert.equal(py.types.dd, "date32[day]");
      assert.equal(py.types.bl, "binary");
      const pyRow = py.rows.find((r) => r.id === "1");
      assert.ok(pyRow);
      assert.equal(pyRow.d_wide, "1234567890123456789012345678.0123456789");
      assert.equal(pyRow.d_huge, "12345678901234567890123456789012345.123456789012345678901234567890");
      assert.equal(pyRow.u64, "18446744073709551615");
      assert.equal(pyRow.dt6, "2026-03-04 05:06:07.123456");
      assert.equal(pyRow.ts, "2026-03-04 05:06:07.123000+00:00");
      assert.equal(pyRow.txt, "emoji 🦄 and ünïcode");
      assert.equal(pyRow.bl, "00ff10");
    });

    it("keeps empty strings and empty blobs distinct from NULL, and quotes, commas and line breaks intact", async () => {
      const edge = uniqueName("edge");
      await db().query(
        `CREATE TABLE ${edge} (id INT PRIMARY KEY, updated_at DATETIME NOT NULL, s VARCHAR(100), b VARBINARY(10),
                             j JSON, t LONGTEXT)`,
      );
      try {
        await db().query(
          `INSERT INTO ${edge} VALUES (1, '2026-01-01', '', X'', ?, ?), (2, '2026-01-01', NULL, NULL, NULL, NULL),
                                    (3, '2026-01-01', ?, X'00', '[]', 'NULL'), (4, '2026-01-01', ?, X'22', NULL, '')`,
          [JSON.stringify({ q: 'say "hi", ok' }), 'a,b\n"c"\r\nd', "\\N", "x".repeat(100)],
        );
        const spec = await mariadbSpec(edge, { server });
        const ctx = context(spec);
        await extract({ pipeline: spec.name, step: "extract", table: edge }, ctx);
        const manifest = await latestManifest(landingZone(spec), spec.name, edge);
        assert.ok(manifest);
        const rows = await landedRows(spec, manifest);
        assert.deepEqual(
          rows.map((r) => [r.s, r.b, r.j === null ? null : JSON.parse(String(r.j)), r.t]),
          [
            ["", "", { q: 'say "hi", ok' }, 'a,b\n"c"\r\nd'],
            [null, null, null, null],
            ["\\N", "\\x00", [], "NULL"],
            ["x".repeat(100), "\\x22", null, ""],
          ],
        );
      } finally {
        await db().query(`DROP TABLE IF EXISTS ${edge}`);
      }
    });
  });
}
