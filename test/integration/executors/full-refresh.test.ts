import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { changingTable, context, mariadbSpec, missingStack } from "./extract-helpers.ts";
import {
  bothDifferences,
  bronzeAndSilver,
  changesAfter,
  warehousePool,
  withWarehouse,
} from "./pipeline-helpers.ts";

/*
 * A full-mode table refreshed again and again: each refresh is a chunked load whose last chunk carries the key
 * set, so bronze sees the rows deleted at the source, and its change feed gets only what really changed.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");
const ROWS = 20_000;

describe("repeated full refreshes of a full-mode table", { skip: skip ?? false }, () => {
  const { table, db } = changingTable("fullref", ROWS);
  let spec: PipelineSpec;
  const warehouse = warehousePool(() => [spec]);

  const refresh = async () => {
    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    return metrics;
  };

  it("deletes what the source deleted and writes only real changes to the change feed", async () => {
    const base = await mariadbSpec(table, { over: { mode: "full", cursor: [], chunkSize: 3_000 } });
    spec = withWarehouse(base, table);
    const first = await refresh();
    assert.equal(first.rowsLanded, ROWS);
    assert.equal(first.chunks, 7);
    assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
    const loaded = await changesAfter(warehouse, spec, table, 0);
    assert.equal(loaded.changes.length, ROWS);

    // Deletes in the first, a middle and the last chunk, two updates, an insert beyond the last key.
    await db().query(
      `DELETE FROM ${table} WHERE id IN (1, 9000, 20000);
       UPDATE ${table} SET payload = 'changed' WHERE id IN (5, 12000);
       INSERT INTO ${table} VALUES (25000, 'new', '2026-02-01')`,
    );
    const second = await refresh();
    assert.equal(second.rowsLanded, ROWS - 3 + 1, "a full refresh reads every row");
    const changed = await changesAfter(warehouse, spec, table, loaded.version);
    assert.deepEqual(changed.changes, [
      "delete 1",
      "update_postimage 5",
      "update_preimage 5",
      "delete 9000",
      "update_postimage 12000",
      "update_preimage 12000",
      "delete 20000",
      "insert 25000",
    ]);
    assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });

    // Nothing changed: no new version, not one change-feed row.
    await refresh();
    assert.deepEqual(await changesAfter(warehouse, spec, table, changed.version), {
      changes: [],
      version: changed.version,
    });
  });
});
