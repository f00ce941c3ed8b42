import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import {
  context,
  landedRows,
  manifests,
  mariadbSpec,
  mariadbTable,
  missingStack,
} from "./extract-helpers.ts";

const skip = missingStack("SMELTER_MARIADB_URL");
/** 40,000 rows of 4 KiB: 160 MiB in one part, more than DuckDB's 128 MB budget for a single row group. */
const ROWS = 40_000;
const REPEATS = 128; // of a 32-character md5: 4,096 characters per row

describe("wide rows", { skip: skip ?? false }, () => {
  const { table } = mariadbTable("wide", async (db, table) => {
    await db.query(
      `CREATE TABLE ${table} (id INT PRIMARY KEY, updated_at DATETIME NOT NULL, body MEDIUMTEXT NOT NULL)`,
    );
    await db.query(
      `INSERT INTO ${table} SELECT seq, '2026-01-01', REPEAT(MD5(seq), ${REPEATS}) FROM seq_1_to_${ROWS}`,
    );
  });

  it("land in row groups sized by bytes, within the converter's memory budget", async () => {
    const spec = await mariadbSpec(table);
    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    assert.equal(metrics.rowsLanded, ROWS);
    const [manifest] = await manifests(spec, table);
    assert.ok(manifest);
    const rows = await landedRows(spec, manifest);
    assert.equal(rows.length, ROWS);
    const last = rows.find((r) => Number(r.id) === ROWS);
    assert.equal(String(last?.body).length, 32 * REPEATS);
  });
});
