import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapMariadbColumn } from "../../../src/sources/mariadb/types.ts";
import { WireCsvEncoder, wireColumns } from "../../../src/sources/mariadb/wire-csv.ts";
import type { CsvRows, SourceColumn } from "../../../src/sources/types.ts";

const column = (dataType: string, columnType = dataType, precision: number | null = null): SourceColumn => ({
  name: "c",
  dataType,
  columnType,
  nullable: true,
  precision,
  scale: null,
});

/** A text-protocol row payload: each value length-coded, null as 0xfb. */
function packet(values: (string | Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const bytes = typeof v === "string" ? Buffer.from(v, "utf8") : v;
    if (bytes.length < 251) parts.push(Buffer.from([bytes.length]));
    else parts.push(Buffer.from([0xfc, bytes.length & 255, bytes.length >> 8]));
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

function encode(
  columns: SourceColumn[],
  rows: (string | Buffer | null)[][],
  partRows = 1000,
  fieldTypes: number[] = [],
) {
  const mappings = columns.map((c) => mapMariadbColumn(c, "w", "+00:00"));
  const chunks: CsvRows[] = [];
  const encoder = new WireCsvEncoder(wireColumns(mappings, fieldTypes), partRows, (c) => chunks.push(c));
  for (const row of rows) {
    // Surrounding bytes: the encoder reads only [start, end).
    const body = Buffer.concat([Buffer.from([9, 9]), packet(row), Buffer.from([9])]);
    encoder.row(body, 2, body.length - 1);
  }
  encoder.flush();
  return { chunks, mappings, text: chunks.map((c) => c.bytes.toString("utf8")).join("") };
}

describe("CSV encoding of MariaDB row packets", () => {
  it("quotes text with quotes doubled, keeps NULL and the empty string apart, copies numbers as they are and quotes wide decimals (landed as text)", () => {
    const { text } = encode(
      [column("bigint"), column("varchar"), column("decimal", "decimal(65,30)", 65), column("json")],
      [
        ["18446744073709551615", 'a,"b"\nc 😀', "1.000000000000000000000000000001", '{"k": 1}'],
        [null, "", null, null],
      ],
    );
    assert.equal(
      text,
      '18446744073709551615,"a,""b""\nc 😀","1.000000000000000000000000000001","{""k"": 1}"\n,"",,\n',
    );
  });

  it("writes bytes as quoted hex (an empty blob is not NULL) and long values with multi-byte lengths", () => {
    const long = "x".repeat(300);
    const { text } = encode(
      [column("blob"), column("text")],
      [
        [Buffer.from([0, 255, 16]), long],
        [Buffer.alloc(0), null],
        [null, "y"],
      ],
    );
    assert.equal(text, `"00ff10","${long}"\n"",\n,"y"\n`);
  });

  it("lands zero dates as NULL and counts them, and appends the session zone to TIMESTAMP values", () => {
    const { text, mappings } = encode(
      [column("date"), column("datetime"), column("timestamp")],
      [
        ["0000-00-00", "2026-01-00 00:00:00", "2026-01-01 10:00:00.5"],
        ["2026-02-03", "2026-02-03 04:05:06.000001", "0000-00-00 00:00:00"],
      ],
    );
    assert.equal(text, ",,2026-01-01 10:00:00.5+00:00\n2026-02-03,2026-02-03 04:05:06.000001,\n");
    assert.deepEqual(
      mappings.map((m) => m.nulled?.count),
      [1, 1, 1],
    );
  });

  it("decodes BIT values through the mapping (mysql2 gives them as bytes)", () => {
    const { text } = encode(
      [column("bit", "bit(1)", 1), column("bit", "bit(16)", 16)],
      [
        [Buffer.from([1]), Buffer.from([1, 0])],
        [Buffer.from([0]), null],
      ],
      1000,
      [16, 16],
    );
    assert.equal(text, "true,256\nfalse,\n");
  });

  it("ends a chunk at every partRows-th row and reports the longest line in bytes", () => {
    const { chunks } = encode(
      [column("int"), column("varchar")],
      [
        ["1", "é"],
        ["2", "bb"],
        ["3", "c"],
      ],
      2,
    );
    assert.deepEqual(
      chunks.map((c) => [c.rows, c.longest, c.bytes.toString()]),
      [
        [2, 7, '1,"é"\n2,"bb"\n'],
        [1, 6, '3,"c"\n'],
      ],
    );
  });

  it("encodes a row mysql2 decoded (the fallback reader) as the same CSV as its packet", () => {
    const columns = [
      column("bigint"),
      column("int"),
      column("varchar"),
      column("blob"),
      column("date"),
      column("timestamp"),
      column("bit", "bit(12)", 12),
      column("decimal", "decimal(65,30)", 65),
    ];
    const rows: (string | Buffer | null)[][] = [
      [
        "18446744073709551615",
        "-7",
        'a,"b"\n😀',
        Buffer.from([0, 255]),
        "2026-03-04",
        "2026-03-04 05:06:07",
        Buffer.from([10, 170]),
        "1.5",
      ],
      [null, "0", "", Buffer.alloc(0), "0000-00-00", "2026-00-01 00:00:00", null, null],
    ];
    const packets = encode(columns, rows, 1000, [8, 3, 253, 252, 10, 7, 16, 246]);
    const mappings = columns.map((c) => mapMariadbColumn(c, "w", "+00:00"));
    const chunks: CsvRows[] = [];
    const encoder = new WireCsvEncoder(wireColumns(mappings, [8, 3, 253, 252, 10, 7, 16, 246]), 1000, (c) =>
      chunks.push(c),
    );
    // mysql2 gives small integers as numbers; the rest as this connection asks (text, bytes for binary and BIT).
    for (const row of rows) encoder.decoded(row.map((v, i) => (i === 1 && v !== null ? Number(v) : v)));
    encoder.flush();
    assert.equal(chunks.map((c) => c.bytes.toString("utf8")).join(""), packets.text);
    assert.deepEqual(
      chunks.map((c) => [c.rows, c.longest]),
      packets.chunks.map((c) => [c.rows, c.longest]),
    );
    assert.deepEqual(
      mappings.map((m) => m.nulled?.count),
      packets.mappings.map((m) => m.nulled?.count),
    );
  });
});
