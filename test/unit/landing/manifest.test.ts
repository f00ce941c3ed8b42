import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseManifest } from "../../../src/landing/manifest.ts";

/** A manifest as batches landed before manifests recorded neutral types wrote it: a PostgreSQL type per column. */
function legacy(columns: [name: string, parquetType: string, warehouseType: string][]): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      format: "smelter.manifest/v1",
      batchId: "b20260101T000000000Z-00000000",
      pipeline: "p",
      table: "t",
      files: [],
      rows: 0,
      schema: {
        columns: columns.map(([name, parquetType, warehouseType]) => ({
          name,
          sourceType: "x",
          parquetType,
          warehouseType,
          nullable: true,
        })),
        fingerprint: "f",
        added: [],
        removed: [],
      },
    }),
  );
}

describe("manifests", () => {
  test("a manifest from before neutral types reads with the neutral type of each column", () => {
    const m = parseManifest(
      legacy([
        ["id", "UBIGINT", "numeric(20,0)"],
        ["amount", "DECIMAL(20,4)", "numeric(20,4)"],
        ["huge", "VARCHAR", "numeric(65,30)"],
        ["doc", "JSON", "json"],
        ["body", "JSON", "jsonb"],
        ["took", "VARCHAR", "interval"],
        ["tags", "VARCHAR", "text[]"],
        ["at", "TIMESTAMPTZ", "timestamptz"],
        ["name", "VARCHAR", "citext"],
      ]),
      "legacy.json",
    );
    assert.deepEqual(
      m.schema.columns.map((c) => [c.name, c.logical]),
      [
        ["id", { type: "int", bits: 64, signed: false }],
        ["amount", { type: "decimal", precision: 20, scale: 4 }],
        ["huge", { type: "decimal", precision: 65, scale: 30 }],
        ["doc", { type: "json", verbatim: true }],
        ["body", { type: "json" }],
        ["took", { type: "interval" }],
        ["tags", { type: "array", of: { type: "string" } }],
        ["at", { type: "timestamp", zoned: true }],
        ["name", { type: "string" }],
      ],
    );
    assert.ok(m.schema.columns.every((c) => !("warehouseType" in c)));
  });
});
