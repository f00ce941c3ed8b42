import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CHANGE_LANDED,
  encodeChanges,
  snapshotConstants,
  withChangeColumns,
} from "../../../../src/executors/extract/changes.ts";
import { CHANGE_COLUMNS } from "../../../../src/landing/types.ts";
import type { ColumnMapping } from "../../../../src/sources/types.ts";

const text: ColumnMapping = { parquetType: "VARCHAR", logical: { type: "string" }, input: "text" };
const int: ColumnMapping = {
  parquetType: "INTEGER",
  logical: { type: "int", bits: 32, signed: true },
  input: "text",
};
const blob: ColumnMapping = { parquetType: "BLOB", logical: { type: "binary" }, input: "blob" };
const columns = [
  { name: "id", mapping: int },
  { name: "name", mapping: text },
  { name: "bytes", mapping: blob },
];
const at = Date.UTC(2026, 11, 5, 14, 0, 0);

describe("encoding changes read from a log", () => {
  it("lands each change as a CSV line: the row, then operation, order and commit time", () => {
    const lines = encodeChanges(
      [
        {
          op: "insert",
          order: "1000001",
          committedAt: at,
          row: { id: 1, name: 'say "hi",\nok', bytes: Buffer.from([0, 255]) },
        },
        { op: "delete", order: "1000002", committedAt: at, row: { id: 2, name: null, bytes: "\\x0aff" } },
      ],
      columns,
      ["id"],
    );
    assert.deepEqual(lines, [
      '1,"say ""hi"",\nok","00ff","insert",1000001,2026-12-05 14:00:00.000+00:00\n',
      '2,,"0aff","delete",1000002,2026-12-05 14:00:00.000+00:00\n',
    ]);
  });

  it("lands an update that changed the key as a delete of the old key just before the update", () => {
    const lines = encodeChanges(
      [
        {
          op: "update",
          order: "5000003",
          committedAt: at,
          row: { id: 9, name: "b" },
          before: { id: 8, name: "a" },
        },
      ],
      columns,
      ["id"],
    );
    assert.deepEqual(
      lines.map((l) => l.split(",").slice(0, 5).join(",")),
      ['8,"a",,"delete",5000002', '9,"b",,"update",5000003'],
    );
  });

  it("gives snapshot rows and changes one column set", () => {
    const schema = withChangeColumns({ columns: [], fingerprint: "", added: [], removed: [] });
    assert.deepEqual(
      schema.columns.map((c) => [c.name, c.parquetType]),
      [
        [CHANGE_COLUMNS.op, "VARCHAR"],
        [CHANGE_COLUMNS.order, "DECIMAL(38,0)"],
        [CHANGE_COLUMNS.committedAt, "TIMESTAMPTZ"],
      ],
    );
    assert.deepEqual(
      snapshotConstants("42").map((c) => c.name),
      CHANGE_LANDED.map((c) => c.name),
    );
  });
});
