import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Connection as CoreConnection } from "mysql2";
import type mysql from "mysql2/promise";
import { openDuckdb } from "../../../src/db/duckdb.ts";
import { castSql, readCsvSql } from "../../../src/executors/extract/csv.ts";
import { connectMariadb } from "../../../src/sources/mariadb/connection.ts";
import { openMariadbSnapshot } from "../../../src/sources/mariadb/read.ts";
import { mapMariadbColumn } from "../../../src/sources/mariadb/types.ts";
import { type CsvReader, csvChunks } from "../../../src/sources/mariadb/wire-read.ts";
import type { ResolvedDatabase } from "../../../src/spec/resolve.ts";
import { mariadbTable, missingStack } from "../executors/extract-helpers.ts";

// The wire-level CSV reader and its fallback (mysql2's row events) read the same table of every MariaDB type of
// docs/types.md: they must land the same values, cut the same chunks, count the same zero dates and report the
// same last row. Only FLOAT and DOUBLE may differ in their text (the server's against JavaScript's shortest
// form of the same number), so the CSV bytes are compared without them and the values through DuckDB's casts.

const skip = missingStack("SMELTER_MARIADB_URL");

const COLUMNS = `id INT PRIMARY KEY,
  t TINYINT, tu TINYINT UNSIGNED, t1 TINYINT(1), flag TINYINT, s SMALLINT, su SMALLINT UNSIGNED,
  m MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, b BIGINT, bu BIGINT UNSIGNED,
  d10 DECIMAL(10,2), d38 DECIMAL(38,10), d65 DECIMAL(65,30), f FLOAT, dbl DOUBLE, y YEAR,
  dd DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6),
  ch CHAR(5), vc VARCHAR(100), tx TEXT, en ENUM('red','green'), st SET('a','b','c'), js JSON,
  bn BINARY(4), vb VARBINARY(10), bl BLOB, b1 BIT(1), b12 BIT(12), u UUID`;

const ROWS = `
 (1, -128, 255, 1, 2, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615, -12345678.90, 1234567890123456789012345678.0123456789,
  12345678901234567890123456789012345.123456789012345678901234567890, 3.40282e38, 1.7976931348623157e308, 2155,
  '2026-03-04', '2026-03-04 05:06:07.123456', '2026-03-04 05:06:07.123', '-838:59:59.000000',
  'ab', 'quote " comma , newline\nend', 'emoji 🦄 ünïcode', 'green', 'a,c', '{"a": [1, 2.5, "x"], "b": null}',
  X'00FF10', X'', X'DEADBEEF', b'1', b'101010101010', '123e4567-e89b-12d3-a456-426614174000'),
 (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.1, 1901,
  '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '00:00:00',
  '', '', '', 'red', '', '[]', X'00000000', X'00', X'', b'0', b'0', '00000000-0000-0000-0000-000000000000'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '2026-00-15', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 127, 1, 7, 5, 32767, 1, 8388607, 1, 2147483647, 1, 9223372036854775807, 1, 99999999.99,
  -9999999999999999999999999999.9999999999, -0.000000000000000000000000000001, -1.17549e-38, 4.9e-324, 1970,
  '9999-12-31', '1000-01-01 00:00:00.000001', '2038-01-19 03:14:07.999', '838:59:59.999999',
  'zzzzz', '😀😀😀', REPEAT('long text ', 200), NULL, 'a,b,c', '"just a string"', X'FFFFFFFF', X'0102030405',
  REPEAT(X'AB', 3000), b'0', b'111111111111', 'ffffffff-ffff-ffff-ffff-ffffffffffff')`;

interface Read {
  csv: string;
  chunkRows: number[];
  lastRow: unknown[] | null;
  nulled: (number | undefined)[];
  values: string[][];
}

describe("the wire reader and mysql2's row events land the same values", { skip: skip ?? false }, () => {
  const { table } = mariadbTable("readers", async (db, name) => {
    await db.query("SET SESSION sql_mode = ''");
    await db.query(`SET time_zone = '+00:00'`);
    await db.query(`CREATE TABLE ${name} (${COLUMNS})`);
    await db.query(`INSERT INTO ${name} VALUES ${ROWS}`);
  });

  const url = new URL(process.env.SMELTER_MARIADB_URL ?? "mysql://u@127.0.0.1/x");
  const source: ResolvedDatabase = {
    name: "src",
    kind: "mariadb",
    host: url.hostname,
    port: Number(url.port || 3306),
    database: url.pathname.slice(1),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    timezone: "+00:00",
    maxConnections: 1,
  };
  let work = "";
  before(async () => {
    work = await mkdtemp(join(tmpdir(), "smelter-readers-"));
  });
  after(() => rm(work, { recursive: true, force: true }));

  /** Reads `columns` of the table with one reader, into CSV, and the values DuckDB casts from that CSV. */
  async function read(reader: CsvReader, columns: string[]): Promise<Read> {
    const snapshot = await openMariadbSnapshot(source, { statementTimeoutMs: 0 });
    const described = (await snapshot.columns({ table })).filter((c) => columns.includes(c.name));
    await snapshot.close();
    const mappings = described.map((c) =>
      mapMariadbColumn(c, "src", "+00:00", c.name === "flag" ? "boolean" : undefined),
    );
    const conn: mysql.Connection = await connectMariadb(source, 0);
    const chunks: Buffer[] = [];
    const chunkRows: number[] = [];
    let lastRow: unknown[] | null = null;
    let longest = 0;
    try {
      const sql = `SELECT ${described.map((c) => `\`${c.name}\``).join(", ")} FROM ${table} ORDER BY id`;
      const core = (conn as unknown as { connection: CoreConnection }).connection;
      for await (const chunk of csvChunks(
        core,
        { sql, values: [] },
        {
          reader,
          mappings,
          partRows: 2,
          signal: new AbortController().signal,
          where: "src",
          onLastRow: (row) => {
            lastRow = row;
          },
        },
      )) {
        chunks.push(Buffer.from(chunk.bytes));
        chunkRows.push(chunk.rows);
        longest = Math.max(longest, chunk.longest);
      }
    } finally {
      await conn.end();
    }
    const csv = Buffer.concat(chunks).toString("utf8");
    const file = join(work, `${reader}-${columns.length}.csv`);
    await writeFile(file, csv);
    const duck = await (await openDuckdb()).connect();
    const select = mappings.map((m, i) => `CAST(${castSql(m, i)} AS VARCHAR)`).join(", ");
    const result = await duck.runAndReadAll(
      `SELECT ${select} FROM ${readCsvSql(file, mappings.length, longest)}`,
    );
    const values = result.getRows().map((row) => row.map((v) => (v === null ? "NULL" : String(v))));
    duck.closeSync();
    return { csv, chunkRows, lastRow, nulled: mappings.map((m) => m.nulled?.count), values };
  }

  const ALL = [...COLUMNS.matchAll(/(?:^|,)\s*(\w+) [A-Z]/g)].map((m) => m[1]!);

  test("every type lands the same value, in the same chunks, with the same zero dates and last row", async () => {
    const wire = await read("wire", ALL);
    const rows = await read("rows", ALL);
    assert.equal(wire.values.length, 4);
    assert.deepEqual(rows.values, wire.values);
    assert.deepEqual(rows.chunkRows, wire.chunkRows);
    assert.deepEqual(rows.nulled, wire.nulled);
    assert.deepEqual(rows.lastRow, wire.lastRow);
    assert.ok(
      wire.nulled.some((n) => n === 2),
      "the zero dates were counted",
    );
  });

  for (const reader of ["wire", "rows"] as const) {
    test(`a ${reader} read stopped after its first chunk leaves the connection usable`, async () => {
      const conn = await connectMariadb(source, 0);
      try {
        const core = (conn as unknown as { connection: CoreConnection }).connection;
        const described = await (async () => {
          const snapshot = await openMariadbSnapshot(source, { statementTimeoutMs: 0 });
          try {
            return await snapshot.columns({ table });
          } finally {
            await snapshot.close();
          }
        })();
        const mappings = described.map((c) => mapMariadbColumn(c, "src", "+00:00"));
        const sql = `SELECT * FROM ${table} ORDER BY id`;
        const options = { reader, mappings, partRows: 1, where: "src", onLastRow: () => undefined };
        for await (const chunk of csvChunks(
          core,
          { sql, values: [] },
          { ...options, signal: new AbortController().signal },
        )) {
          assert.equal(chunk.rows, 1);
          break;
        }
        const [rows] = await conn.query(`SELECT COUNT(*) FROM ${table}`);
        assert.deepEqual(rows, [["4"]]);
      } finally {
        await conn.end();
      }
    });
  }

  test("without FLOAT and DOUBLE the CSV is the same byte for byte", async () => {
    const exact = ALL.filter((c) => c !== "f" && c !== "dbl");
    const wire = await read("wire", exact);
    assert.equal((await read("rows", exact)).csv, wire.csv);
  });
});
