import assert from "node:assert/strict";
import type mysql from "mysql2/promise";
import { withWarehouse } from "./harness.ts";

/*
 * Row-by-row comparison of a source table with a warehouse table. Both sides arrive as the databases' own text
 * (see harness.ts); the few differences in how MariaDB and PostgreSQL print the same value are evened out here:
 * DATETIME(6) fractions (PostgreSQL drops trailing zeros) and JSON (jsonb reorders keys and respaces).
 */

/** What to compare of one table: its key, the columns both sides have, and which of them hold JSON. */
export interface Shape {
  table: string;
  key: string[];
  columns: string[];
  json?: string[];
  /** SQL predicate over the source row: only rows matching it belong in the warehouse (soft deletes). */
  live?: string;
}

type Row = Record<string, string | null>;

const TIMESTAMP = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;

function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonicalJson((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function normalize(shape: Shape, column: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString("hex");
  const text = String(value);
  if (shape.json?.includes(column)) return JSON.stringify(canonicalJson(JSON.parse(text)));
  const ts = TIMESTAMP.exec(text);
  if (ts) return `${ts[1]}.${(ts[2] ?? "").padEnd(6, "0")}`;
  return text;
}

function keyed(shape: Shape, rows: Record<string, unknown>[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const raw of rows) {
    const row: Row = {};
    for (const c of shape.columns) row[c] = normalize(shape, c, raw[c]);
    out.set(JSON.stringify(shape.key.map((k) => row[k])), row);
  }
  return out;
}

/** The source rows that belong in the warehouse, keyed by primary key. */
export async function sourceRows(conn: mysql.Connection, shape: Shape): Promise<Map<string, Row>> {
  const cols = shape.columns.map((c) => `\`${c}\``).join(", ");
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT ${cols} FROM \`${shape.table}\`${shape.live ? ` WHERE ${shape.live}` : ""}`,
  );
  return keyed(shape, rows);
}

/** The rows of `schema.table` in the warehouse (only the shape's columns), keyed by primary key. */
export async function warehouseRows(schema: string, table: string, shape: Shape): Promise<Map<string, Row>> {
  const cols = shape.columns.map((c) => `"${c}"`).join(", ");
  return withWarehouse(async (client) => {
    const { rows } = await client.query(`SELECT ${cols} FROM "${schema}"."${table}"`);
    return keyed(shape, rows);
  });
}

/** Fails with the keys missing, the keys extra and the first rows that differ, unless both sides are equal. */
export function assertSameRows(label: string, expected: Map<string, Row>, actual: Map<string, Row>): void {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const differing = [...expected.keys()].filter(
    (k) => actual.has(k) && JSON.stringify(actual.get(k)) !== JSON.stringify(expected.get(k)),
  );
  if (missing.length + extra.length + differing.length === 0) return;
  const sample = differing
    .slice(0, 3)
    .map(
      (k) =>
        `  key ${k}\n    source    ${JSON.stringify(expected.get(k))}\n    warehouse ${JSON.stringify(actual.get(k))}`,
    );
  assert.fail(
    `${label}: ${expected.size} rows expected, ${actual.size} found; ` +
      `${missing.length} missing (${missing.slice(0, 5).join(" ")}), ${extra.length} extra (${extra.slice(0, 5).join(" ")}), ` +
      `${differing.length} differ\n${sample.join("\n")}`,
  );
}

/** Source equals bronze and the silver copy, row by row, for every shape; `silver` maps table → model. */
export async function assertLayersMatchSource(
  conn: mysql.Connection,
  pipeline: string,
  shapes: Shape[],
  silver: Record<string, string>,
  when: string,
): Promise<void> {
  for (const shape of shapes) {
    const expected = await sourceRows(conn, shape);
    assertSameRows(
      `${when}: bronze ${shape.table}`,
      expected,
      await warehouseRows(`${pipeline}_bronze`, shape.table, shape),
    );
    const model = silver[shape.table];
    if (model) {
      assertSameRows(
        `${when}: silver ${model}`,
        expected,
        await warehouseRows(`${pipeline}_silver`, model, shape),
      );
    }
  }
}
