import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { copyCsvChunks, parseCsvLine } from "../../../src/sources/postgres/copy-csv.ts";
import type { CsvRows } from "../../../src/sources/types.ts";

/** COPY output as the server might send it: `text` cut into buffers of `size` bytes. */
function copyStream(text: string, size: number): Readable {
  const bytes = Buffer.from(text, "utf8");
  const buffers: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) buffers.push(bytes.subarray(i, i + size));
  return Readable.from(buffers);
}

async function collect(text: string, size: number, partRows: number) {
  const chunks: CsvRows[] = [];
  let last: Buffer | null = null;
  for await (const chunk of copyCsvChunks(copyStream(text, size), partRows, (line) => {
    last = line;
  }))
    chunks.push(chunk);
  return { chunks, last: last as Buffer | null };
}

const ROWS = [
  '1,"plain",2026-01-01 00:00:00\n',
  '2,"line\nbreak, and a ""quote""",\n',
  '3,"",2026-01-03 00:00:00\n',
  '4,,"\\x"\n',
  '5,"🦄",2026-01-05 00:00:00\n',
];
const TEXT = ROWS.join("");

describe("COPY CSV chunks", () => {
  test("end at row ends, never inside a quoted line break, whatever the buffers", async () => {
    for (const size of [1, 2, 3, 7, 64, TEXT.length]) {
      const { chunks, last } = await collect(TEXT, size, 1000);
      assert.equal(Buffer.concat(chunks.map((c) => c.bytes)).toString("utf8"), TEXT, `buffers of ${size}`);
      assert.equal(
        chunks.reduce((n, c) => n + c.rows, 0),
        5,
      );
      for (const c of chunks) assert.equal(c.bytes.at(-1), 0x0a);
      assert.equal(last?.toString("utf8"), '5,"🦄",2026-01-05 00:00:00', `buffers of ${size}`);
    }
  });

  test("never span a multiple of partRows rows, and report each chunk's longest line in bytes", async () => {
    const { chunks } = await collect(TEXT, 5, 2);
    assert.deepEqual(
      chunks.map((c) => c.rows),
      [2, 2, 1],
    );
    assert.deepEqual(
      chunks.map((c) => c.longest),
      [
        Buffer.byteLength(ROWS[1] as string),
        Buffer.byteLength(ROWS[2] as string),
        Buffer.byteLength(ROWS[4] as string),
      ],
    );
  });

  test("an empty result yields nothing and no last row; output cut inside a row fails", async () => {
    assert.deepEqual(await collect("", 4, 10), { chunks: [], last: null });
    await assert.rejects(collect('1,"open\n', 3, 10), /ended inside a row/);
  });
});

describe("parseCsvLine", () => {
  test("gives text, null for an unquoted empty field, the empty string for a quoted one, and bytes from hex", () => {
    const line = Buffer.from('7,"a ""b"", c",,"","00ff10",');
    assert.deepEqual(parseCsvLine(line, [false, false, false, false, true, false]), [
      "7",
      'a "b", c',
      null,
      "",
      Buffer.from([0x00, 0xff, 0x10]),
      null,
    ]);
  });
});
