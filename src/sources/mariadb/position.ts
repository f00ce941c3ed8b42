import { ConfigError } from "../../errors.ts";
import type { LogPosition } from "../types.ts";

/**
 * Binlog positions as the extract watermark stores them, `[file, offset, GTID position]` or, after a failover to a
 * server whose files are numbered below the old one's, `[file, offset, GTID position, shift]`; and the order of a
 * change in the log: `(file sequence + shift) × 10^18 + event end offset × 10^6 + row index`, so that changes
 * compare in log order as numbers and a snapshot taken at offset P (order P × 10^6) sits above every change
 * committed before it and below every later one. The shift keeps the changes read on the new server above those
 * landed from the old one (locate.ts); a new snapshot starts without one.
 */

const FILE_FACTOR = 10n ** 18n;
const OFFSET_FACTOR = 10n ** 6n;

/** The sequence number of a binlog file (`mariadb-bin.000042` → 42). */
export function fileSeq(file: string): bigint {
  const m = /\.(\d+)$/.exec(file);
  if (!m) throw new ConfigError(`binlog file name "${file}" has no sequence number`);
  return BigInt(m[1] as string);
}

/** The order of row `row` of the event ending at `offset` of `file`, its file sequence raised by `shift`. */
export function order(file: string, offset: number, row: number, shift = 0): string {
  const seq = fileSeq(file) + BigInt(shift);
  return (seq * FILE_FACTOR + BigInt(offset) * OFFSET_FACTOR + BigInt(row)).toString();
}

/** A stored position: file and offset, its GTID position when it has one, and its shift (0 when it has none). */
export interface BinlogPosition {
  file: string;
  offset: number;
  gtid: string | null;
  shift: number;
}

/** The parts of a stored position. */
export function asPosition(position: LogPosition): BinlogPosition {
  const [file, offset, gtid, shift] = position;
  if (
    typeof file !== "string" ||
    typeof offset !== "number" ||
    (shift !== undefined && !Number.isSafeInteger(shift))
  ) {
    throw new ConfigError(
      `stored binlog position ${JSON.stringify(position)} is not [file, offset, GTID position, shift]; re-sync the table`,
    );
  }
  return {
    file,
    offset,
    gtid: typeof gtid === "string" && gtid !== "" ? gtid : null,
    shift: (shift as number | undefined) ?? 0,
  };
}

/** The position as the watermark stores it: the shift only when there is one. */
export function stored(p: BinlogPosition): LogPosition {
  if (p.shift !== 0) return [p.file, p.offset, p.gtid ?? "", p.shift];
  return p.gtid ? [p.file, p.offset, p.gtid] : [p.file, p.offset];
}

/**
 * Whether `a` is before (-1), at (0) or after (1) `b`, by file sequence and offset: two points of the log of the
 * server read now (shifts are not compared).
 */
export function compare(a: LogPosition, b: LogPosition): number {
  const x = asPosition(a);
  const y = asPosition(b);
  const seq = fileSeq(x.file) - fileSeq(y.file);
  if (seq !== 0n) return seq < 0n ? -1 : 1;
  return Math.sign(x.offset - y.offset);
}
