import { ConfigError } from "../../errors.ts";
import type { LogPosition } from "../types.ts";

/**
 * Binlog positions as the extract watermark stores them, `[file, offset, GTID position]`, and the order of a
 * change in the log: `file sequence × 10^18 + event end offset × 10^6 + row index`, so that changes compare in
 * log order as numbers and a snapshot taken at offset P (order P × 10^6) sits above every change committed before
 * it and below every later one.
 */

const FILE_FACTOR = 10n ** 18n;
const OFFSET_FACTOR = 10n ** 6n;

/** The sequence number of a binlog file (`mariadb-bin.000042` → 42). */
export function fileSeq(file: string): bigint {
  const m = /\.(\d+)$/.exec(file);
  if (!m) throw new ConfigError(`binlog file name "${file}" has no sequence number`);
  return BigInt(m[1] as string);
}

/** The order of row `row` of the event ending at `offset` of `file`. */
export function order(file: string, offset: number, row: number): string {
  return (fileSeq(file) * FILE_FACTOR + BigInt(offset) * OFFSET_FACTOR + BigInt(row)).toString();
}

/** The file and offset of a stored position, and its GTID position when it has one. */
export function asPosition(position: LogPosition): { file: string; offset: number; gtid: string | null } {
  const [file, offset, gtid] = position;
  if (typeof file !== "string" || typeof offset !== "number") {
    throw new ConfigError(
      `stored binlog position ${JSON.stringify(position)} is not [file, offset]; re-sync the table`,
    );
  }
  return { file, offset, gtid: typeof gtid === "string" && gtid !== "" ? gtid : null };
}

/** Whether `a` is before (-1), at (0) or after (1) `b`, by file sequence and offset. */
export function compare(a: LogPosition, b: LogPosition): number {
  const x = asPosition(a);
  const y = asPosition(b);
  const seq = fileSeq(x.file) - fileSeq(y.file);
  if (seq !== 0n) return seq < 0n ? -1 : 1;
  return Math.sign(x.offset - y.offset);
}
