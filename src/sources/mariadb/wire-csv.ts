import type { ColumnMapping, CsvRows } from "../types.ts";
import { isCsvText } from "../types.ts";

/**
 * Encodes MariaDB/MySQL text-protocol row packets as CSV lines without making a JS value per field: each field's
 * bytes (length-coded on the wire, already UTF-8 on a utf8mb4 connection) are copied into the CSV buffer, text
 * quoted with `"` doubled, bytes as quoted hex. Decoding strings, encoding them back to UTF-8 and collecting the
 * garbage cost more CPU than mysql2's own parsing; this costs a byte loop.
 */

const PLAIN = 0;
const QUOTED = 1;
const HEX = 2;
const DATE = 3;
const VALUE = 4;

/** One column of a row packet: how its bytes become a field. */
interface WireColumn {
  kind: number;
  /** DATE: bytes appended to a non-zero date (the session zone of TIMESTAMP values). */
  suffix: Buffer;
  mapping: ColumnMapping;
  /** VALUE: mysql2 hands this column's value over as bytes (BIT), not as a string. */
  binary: boolean;
}

const HEX_DIGITS = Buffer.from("0123456789abcdef");
const QUOTE = 34;
const COMMA = 44;
const NEWLINE = 10;
const DASH = 45;
const ZERO = 48;
const ZERO_DATE = /^0000-|-00(?:$|[ T-])/;
/** mysql2's column type code of BIT, whose values it gives as bytes. */
const BIT_TYPE = 16;

/** Bytes one encoded chunk holds before it is handed over. */
const CHUNK_BYTES = 1 << 20;

/** Builds the per-column encoding of a result set from its landed mappings and mysql2's field metadata. */
export function wireColumns(mappings: ColumnMapping[], fieldTypes: number[]): WireColumn[] {
  return mappings.map((mapping, i) => {
    const base = { suffix: Buffer.alloc(0), mapping, binary: fieldTypes[i] === BIT_TYPE };
    if (mapping.input === "blob") return { ...base, kind: HEX };
    const wire = mapping.wire ?? (mapping.toText ? null : { kind: "verbatim" as const });
    if (wire?.kind === "verbatim") return { ...base, kind: isCsvText(mapping) ? QUOTED : PLAIN };
    if (wire?.kind === "zeroDate") return { ...base, kind: DATE, suffix: Buffer.from(wire.suffix) };
    return { ...base, kind: VALUE };
  });
}

/** Whether the date text in `buf[p, p+len)` is a zero date (`0000-00-00` or a zero month or day). */
function isZeroDate(buf: Buffer, p: number, len: number): boolean {
  if (len < 10 || buf[p + 4] !== DASH || buf[p + 7] !== DASH) {
    return ZERO_DATE.test(buf.toString("latin1", p, p + len));
  }
  if (buf[p] === ZERO && buf[p + 1] === ZERO && buf[p + 2] === ZERO && buf[p + 3] === ZERO) return true;
  if (buf[p + 5] === ZERO && buf[p + 6] === ZERO) return true;
  if (buf[p + 8] !== ZERO || buf[p + 9] !== ZERO) return false;
  const next = len === 10 ? -1 : buf[p + 10];
  return next === -1 || next === 32 || next === 84 || next === DASH;
}

const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** One non-NULL field of a decoded row, as `WireCsvEncoder.row` writes it from the wire. */
function decodedField(column: WireColumn, value: unknown): string {
  switch (column.kind) {
    case PLAIN:
      return String(value);
    case QUOTED:
      return quoted(String(value));
    case HEX:
      return `"${(value as Buffer).toString("hex")}"`;
    case DATE: {
      const text = String(value);
      if (ZERO_DATE.test(text)) {
        (column.mapping.nulled as { count: number }).count += 1;
        return "";
      }
      return `${text}${column.suffix.toString("utf8")}`;
    }
    default: {
      const text = (column.mapping.toText as (v: unknown) => string | null)(value);
      if (text === null) return "";
      return isCsvText(column.mapping) ? quoted(text) : text;
    }
  }
}

/**
 * Collects encoded rows into chunks of about a MiB. A chunk also ends at every `partRows`-th row, so that the
 * writer can cut parts between chunks.
 */
export class WireCsvEncoder {
  private out = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private rows = 0;
  private total = 0;
  private longest = 0;
  private readonly perField: number;
  /** Each column's kind, in a typed array: the row loop reads it for every field. */
  private readonly kinds: Uint8Array;

  constructor(
    private readonly columns: WireColumn[],
    private readonly partRows: number,
    private readonly emit: (chunk: CsvRows) => void,
  ) {
    // Worst case per field beyond twice its bytes: separator, quotes, a suffix, a decoded value's text.
    this.perField = 24 + Math.max(0, ...columns.map((c) => c.suffix.length));
    this.kinds = Uint8Array.from(columns.map((c) => c.kind));
  }

  /** Encodes one row packet's fields, `buf[start, end)`, as a CSV line. */
  row(buf: Buffer, start: number, end: number): void {
    const kinds = this.kinds;
    const width = kinds.length;
    const bound = 2 * (end - start) + width * this.perField + 1;
    if (this.pos + bound > this.out.length) {
      this.flush();
      if (bound > this.out.length) this.out = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bound));
    }
    let out = this.out;
    const lineStart = this.pos;
    let pos = lineStart;
    let p = start;
    for (let i = 0; i < width; i++) {
      if (i > 0) out[pos++] = COMMA;
      let len = buf[p++] as number;
      if (len >= 0xfb) {
        if (len === 0xfb) continue; // NULL: an empty, unquoted field
        if (len === 0xfc) {
          len = buf.readUInt16LE(p);
          p += 2;
        } else if (len === 0xfd) {
          len = buf.readUIntLE(p, 3);
          p += 3;
        } else {
          len = buf.readUInt32LE(p) + buf.readUInt32LE(p + 4) * 0x100000000;
          p += 8;
        }
      }
      switch (kinds[i]) {
        case PLAIN:
          for (let k = p, e = p + len; k < e; k++) out[pos++] = buf[k] as number;
          break;
        case QUOTED:
          out[pos++] = QUOTE;
          for (let k = p, e = p + len; k < e; k++) {
            const b = buf[k] as number;
            out[pos++] = b;
            if (b === QUOTE) out[pos++] = QUOTE;
          }
          out[pos++] = QUOTE;
          break;
        case HEX:
          out[pos++] = QUOTE;
          for (let k = p, e = p + len; k < e; k++) {
            const b = buf[k] as number;
            out[pos++] = HEX_DIGITS[b >> 4] as number;
            out[pos++] = HEX_DIGITS[b & 15] as number;
          }
          out[pos++] = QUOTE;
          break;
        case DATE: {
          const column = this.columns[i] as WireColumn;
          if (isZeroDate(buf, p, len)) {
            (column.mapping.nulled as { count: number }).count += 1;
            break;
          }
          for (let k = p, e = p + len; k < e; k++) out[pos++] = buf[k] as number;
          const suffix = column.suffix;
          for (let k = 0; k < suffix.length; k++) out[pos++] = suffix[k] as number;
          break;
        }
        default: {
          const column = this.columns[i] as WireColumn;
          const value = column.binary ? buf.subarray(p, p + len) : buf.toString("utf8", p, p + len);
          const text = (column.mapping.toText as (v: unknown) => string | null)(value);
          if (text !== null) {
            pos = this.writeText(text, isCsvText(column.mapping), pos, bound);
            out = this.out;
          }
        }
      }
      p += len;
    }
    out[pos++] = NEWLINE;
    if (pos - lineStart > this.longest) this.longest = pos - lineStart;
    this.pos = pos;
    this.rows += 1;
    this.total += 1;
    if (this.total % this.partRows === 0) this.flush();
  }

  /**
   * Encodes one row as mysql2 decoded it (its `result` event, with the connection's settings: numbers, decimals
   * and dates as text, bytes as Buffers): the fallback when the wire hooks are missing. The CSV is the same as
   * `row` writes, except that FLOAT and DOUBLE values are JavaScript's shortest text of the same number.
   */
  decoded(values: readonly unknown[]): void {
    let line = "";
    for (let i = 0; i < this.columns.length; i++) {
      if (i > 0) line += ",";
      const value = values[i];
      if (value !== null && value !== undefined) line += decodedField(this.columns[i] as WireColumn, value);
    }
    line += "\n";
    const need = Buffer.byteLength(line);
    if (this.pos + need > this.out.length) {
      this.flush();
      if (need > this.out.length) this.out = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
    }
    this.pos += this.out.write(line, this.pos);
    if (need > this.longest) this.longest = need;
    this.rows += 1;
    this.total += 1;
    if (this.total % this.partRows === 0) this.flush();
  }

  /** Writes a decoded value's text (rare types: BIT, boolean overrides), growing the buffer if it must. */
  private writeText(text: string, quoted: boolean, pos: number, bound: number): number {
    const field = quoted ? `"${text.replace(/"/g, '""')}"` : text;
    const need = Buffer.byteLength(field);
    if (pos + need + bound > this.out.length) {
      const grown = Buffer.allocUnsafe(this.out.length + need + bound);
      this.out.copy(grown, 0, 0, pos);
      this.out = grown;
    }
    return pos + this.out.write(field, pos);
  }

  /** Hands the rows encoded so far over as a chunk and starts a new buffer. */
  flush(): void {
    if (this.rows === 0) return;
    this.emit({ bytes: this.out.subarray(0, this.pos), rows: this.rows, longest: this.longest });
    this.out = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    this.rows = 0;
    this.longest = 0;
  }
}
