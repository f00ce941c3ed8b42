import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { newestChangeAt, parseManifest } from "../../../src/landing/manifest.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import type { LogicalType } from "../../../src/logical-type.ts";

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

  test("the newest source change of a batch is its high watermark, when the cursor is a timestamp", () => {
    const batch = (
      to: unknown,
      logical: LogicalType,
      over: { timezone?: string; backfill?: boolean } = {},
    ): BatchManifest =>
      ({
        cursor: ["updated_at", "id"],
        watermark: { from: null, to: [to, 7], lagSeconds: 0 },
        schema: { columns: [{ name: "updated_at", logical }], fingerprint: "f", added: [], removed: [] },
        source: { name: "db", kind: "mariadb", snapshot: over.timezone ? { timezone: over.timezone } : {} },
        ...(over.backfill
          ? { backfill: { by: "cursor", columns: ["updated_at"], from: null, to: null } }
          : {}),
      }) as unknown as BatchManifest;
    const wallClock: LogicalType = { type: "timestamp", zoned: false };
    const instant: LogicalType = { type: "timestamp", zoned: true };
    // A wall-clock value is read in the source session's zone, else in the connection's.
    assert.equal(
      newestChangeAt(batch("2026-12-05 13:36:04.523066", wallClock, { timezone: "+02:00" }), "+00:00"),
      "2026-12-05T11:36:04.523Z",
    );
    assert.equal(
      newestChangeAt(batch("2026-12-05 13:36:04", wallClock), "-05:30"),
      "2026-12-05T19:06:04.000Z",
    );
    // An instant carries its offset, or is UTC as sources land them.
    assert.equal(
      newestChangeAt(batch("2026-12-05 13:36:04+02", instant), "+09:00"),
      "2026-12-05T11:36:04.000Z",
    );
    assert.equal(
      newestChangeAt(batch("2026-12-05T13:36:04Z", instant), "+09:00"),
      "2026-12-05T13:36:04.000Z",
    );
    assert.equal(newestChangeAt(batch("2026-12-05 13:36:04", instant), "+09:00"), "2026-12-05T13:36:04.000Z");
    // Not a time: a cursor of another type, a backfill (its watermark did not move), nothing read yet.
    assert.equal(newestChangeAt(batch(42, { type: "int", bits: 64, signed: true }), "+00:00"), null);
    assert.equal(newestChangeAt(batch("2026-12-05", { type: "date" }), "+00:00"), null);
    assert.equal(newestChangeAt(batch("2026-12-05 13:36:04", wallClock, { backfill: true }), "+00:00"), null);
    assert.equal(newestChangeAt(batch(null, wallClock), "+00:00"), null);
    assert.equal(newestChangeAt(batch("soon", wallClock), "+00:00"), null);
  });
});
