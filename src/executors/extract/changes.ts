import { duckString } from "../../db/duckdb.ts";
import { type BatchManifest, CHANGE_COLUMNS, type ManifestColumn } from "../../landing/types.ts";
import { type ColumnMapping, type CsvRows, isCsvText, type LogChange } from "../../sources/types.ts";
import { fingerprint } from "./schema.ts";
import type { LandedColumn } from "./writer.ts";

/**
 * The landed shape of a `mode: cdc` table: its columns, then `CHANGE_COLUMNS` (operation, log order, commit
 * time), for changes read from the log and for rows of a snapshot chunk alike, so that both are one column set.
 */

/** Widest decimal parquet holds: a log order is an unsigned integer of up to 38 digits. */
const ORDER_TYPE = "DECIMAL(38,0)";

const MAPPINGS: Record<keyof typeof CHANGE_COLUMNS, ColumnMapping> = {
  op: { parquetType: "VARCHAR", logical: { type: "string" }, input: "text" },
  order: { parquetType: ORDER_TYPE, logical: { type: "decimal", precision: 38, scale: 0 }, input: "text" },
  committedAt: { parquetType: "TIMESTAMPTZ", logical: { type: "timestamp", zoned: true }, input: "text" },
};

/** The change columns as landed columns (after the table's own). */
export const CHANGE_LANDED: LandedColumn[] = (
  Object.keys(CHANGE_COLUMNS) as (keyof typeof CHANGE_COLUMNS)[]
).map((k) => ({ name: CHANGE_COLUMNS[k], mapping: MAPPINGS[k] }));

/** A manifest schema with the change columns appended (and its fingerprint over all of them). */
export function withChangeColumns(schema: BatchManifest["schema"]): BatchManifest["schema"] {
  const extra: ManifestColumn[] = CHANGE_LANDED.map((c) => ({
    name: c.name,
    sourceType: "smelter change capture",
    parquetType: c.mapping.parquetType,
    logical: c.mapping.logical,
    nullable: c.name === CHANGE_COLUMNS.committedAt,
  }));
  const columns = [...schema.columns, ...extra];
  return { ...schema, columns, fingerprint: fingerprint(columns) };
}

/** The change columns of rows read in a snapshot whose log order is `order`: constants of every row. */
export function snapshotConstants(order: string): { name: string; sql: string }[] {
  return [
    { name: CHANGE_COLUMNS.op, sql: "'snapshot'" },
    { name: CHANGE_COLUMNS.order, sql: `CAST(${duckString(order)} AS ${ORDER_TYPE})` },
    { name: CHANGE_COLUMNS.committedAt, sql: "CAST(NULL AS TIMESTAMPTZ)" },
  ];
}

/** One CSV field in the format of src/executors/extract/csv.ts, from a value as the log reader decoded it. */
function field(value: unknown, mapping: ColumnMapping): string {
  if (value === null || value === undefined) return "";
  if (mapping.input === "blob") {
    // Bytes, or PostgreSQL's hex text of them (`\x00ff`).
    if (typeof value === "string" && value.startsWith("\\x")) return `"${value.slice(2)}"`;
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), "utf8");
    return `"${bytes.toString("hex")}"`;
  }
  const text = mapping.toText
    ? mapping.toText(value)
    : Buffer.isBuffer(value)
      ? value.toString("utf8")
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  if (text === null) return "";
  return isCsvText(mapping) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The rows a transaction's changes land as, CSV-encoded for the part writer. An update that changed the primary
 * key lands as a delete of the old key (ordered just before it) and the update of the new one.
 */
export function encodeChanges(changes: LogChange[], columns: LandedColumn[], primaryKey: string[]): string[] {
  const lines: string[] = [];
  // The changes of a transaction share its commit time: its text is made once.
  let time = Number.NaN;
  let at = "";
  const line = (op: string, order: string, committedAt: number, row: Record<string, unknown>) => {
    if (committedAt !== time) {
      time = committedAt;
      at = new Date(committedAt).toISOString().replace("T", " ").replace("Z", "+00:00");
    }
    let text = "";
    for (const c of columns) text += `${field(row[c.name], c.mapping)},`;
    lines.push(`${text}"${op}",${order},${at}\n`);
  };
  for (const c of changes) {
    const before = c.before;
    if (c.op === "update" && before && primaryKey.some((k) => String(before[k]) !== String(c.row[k]))) {
      line("delete", (BigInt(c.order) - 1n).toString(), c.committedAt, before);
    }
    line(c.op, c.order, c.committedAt, c.row);
  }
  return lines;
}

/** Lines joined into the part writer's chunk shape. */
export function csvRows(lines: string[]): CsvRows {
  let longest = 0;
  const buffers = lines.map((l) => {
    const b = Buffer.from(l, "utf8");
    if (b.length > longest) longest = b.length;
    return b;
  });
  return { bytes: Buffer.concat(buffers), rows: lines.length, longest };
}
