import type { Readable } from "node:stream";
import type { CsvRows } from "../types.ts";

/**
 * PostgreSQL's `COPY ... TO STDOUT (FORMAT csv)` output cut into `CsvRows` chunks. The server writes the CSV that
 * src/executors/extract-csv.ts describes when text columns are force-quoted and bytea is selected as hex: NULL is
 * an empty unquoted field, the empty string `""`, quotes doubled. A line break ends a row only outside quotes
 * (text may hold line breaks), so the bytes are scanned for both.
 */

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** Bytes a chunk collects before it is handed on (at a row's end). */
const CHUNK_BYTES = 1 << 20;

/**
 * Yields the stream's rows as chunks that end at row ends, never spanning a multiple of `partRows` rows from the
 * start, and calls `onLastRow` with the last row's line (without its line break) once the stream ends.
 */
export async function* copyCsvChunks(
  stream: Readable,
  partRows: number,
  onLastRow: (line: Buffer) => void,
): AsyncIterable<CsvRows> {
  let inQuote = false;
  let total = 0;
  // The chunk being collected.
  let parts: Buffer[] = [];
  let size = 0;
  let rows = 0;
  let longest = 0;
  // The row in progress when it started in an earlier buffer, and the last complete row.
  let carry: Buffer[] = [];
  let carried = 0;
  let lastLine: Buffer[] = [];
  const take = (): CsvRows => {
    const chunk = { bytes: Buffer.concat(parts, size), rows, longest };
    parts = [];
    size = 0;
    rows = 0;
    longest = 0;
    return chunk;
  };
  for await (const data of stream) {
    const buf = data as Buffer;
    let from = 0;
    let lineStart = 0;
    let lastStart = -1;
    let lastEnd = -1;
    let lastCarry: Buffer[] | null = null;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b === QUOTE) inQuote = !inQuote;
      else if (b === NEWLINE && !inQuote) {
        const line = carried + i + 1 - lineStart;
        if (line > longest) longest = line;
        lastStart = lineStart;
        lastEnd = i;
        if (carried > 0) {
          lastCarry = carry;
          carry = [];
          carried = 0;
        } else lastCarry = null;
        lineStart = i + 1;
        rows++;
        total++;
        if (total % partRows === 0 || size + (i + 1 - from) >= CHUNK_BYTES) {
          parts.push(buf.subarray(from, i + 1));
          size += i + 1 - from;
          from = i + 1;
          yield take();
        }
      }
    }
    if (lastEnd >= 0) {
      const tail = buf.subarray(lastStart, lastEnd);
      lastLine = lastCarry ? [...lastCarry, tail] : [tail];
    }
    if (from < buf.length) {
      parts.push(buf.subarray(from));
      size += buf.length - from;
    }
    if (lineStart < buf.length) {
      carry.push(buf.subarray(lineStart));
      carried += buf.length - lineStart;
    }
  }
  if (carried > 0) throw new Error("COPY output ended inside a row");
  if (rows > 0) yield take();
  if (total > 0) onLastRow(Buffer.concat(lastLine));
}

/**
 * The fields of one CSV line as `SourceSnapshot.stream` gives them: text, or null for an unquoted empty field;
 * `blob[i]` fields (hex) as bytes.
 */
export function parseCsvLine(line: Buffer, blob: boolean[]): unknown[] {
  const fields: unknown[] = [];
  let i = 0;
  while (i <= line.length) {
    let value: string | null;
    if (line[i] === QUOTE) {
      let text = "";
      let start = i + 1;
      i = start;
      for (;;) {
        const q = line.indexOf(QUOTE, i);
        if (q === -1) throw new Error("unterminated quoted CSV field");
        if (line[q + 1] === QUOTE) {
          text += line.toString("utf8", start, q + 1);
          i = q + 2;
          start = i;
          continue;
        }
        text += line.toString("utf8", start, q);
        i = q + 1;
        break;
      }
      value = text;
    } else {
      const comma = line.indexOf(COMMA, i);
      const end = comma === -1 ? line.length : comma;
      value = end === i ? null : line.toString("utf8", i, end);
      i = end;
    }
    const index = fields.length;
    fields.push(value !== null && blob[index] ? Buffer.from(value, "hex") : value);
    i++; // the comma (or past the end)
  }
  return fields;
}
