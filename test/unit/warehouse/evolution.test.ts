import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../../src/errors.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import type { SchemaEvolution, TableSpec } from "../../../src/spec/types.ts";
import { evolveBronze, RESCUED } from "../../../src/warehouse/evolution.ts";

const load = (mode: SchemaEvolution) => ({
  schema: "shop_bronze",
  table: { name: "orders", bronze: { schemaEvolution: mode, changeFeed: true } } as TableSpec,
  batches: [{ batchId: "20261205T060001Z-3f2a" }, { batchId: "20261205T070001Z-9c1d" }] as BatchManifest[],
  manifestKeys: ["shop/orders/_manifests/20261205T060001Z-3f2a.json", "shop/orders/_manifests/x.json"],
});

const col = (name: string, type = "text") => ({ name, type });
const table = [
  col("id", "bigint"),
  col("total", "numeric"),
  col("_smelter_batch_id"),
  col("_smelter_loaded_at"),
];
const landed = [col("id", "bigint"), col("coupon"), col("total", "numeric"), col("lang")];

test("no landed column bronze lacks: nothing to do in any mode, whatever bronze has that the batches lack", () => {
  for (const mode of ["add_columns", "rescue", "fail"] as const) {
    assert.deepEqual(evolveBronze(load(mode), [col("id", "bigint")], table), {
      add: [],
      rescued: [],
      addRescueColumn: false,
    });
  }
});

test("add_columns adds the landed columns bronze lacks, in landed order, with their landed types", () => {
  assert.deepEqual(evolveBronze(load("add_columns"), landed, table), {
    add: [col("coupon"), col("lang")],
    rescued: [],
    addRescueColumn: false,
  });
});

test("rescue routes the new columns into _rescued_data, adding that column only when bronze lacks it", () => {
  assert.deepEqual(evolveBronze(load("rescue"), landed, table), {
    add: [],
    rescued: ["coupon", "lang"],
    addRescueColumn: true,
  });
  assert.deepEqual(evolveBronze(load("rescue"), landed, [...table, col(RESCUED, "jsonb")]), {
    add: [],
    rescued: ["coupon", "lang"],
    addRescueColumn: false,
  });
});

test("fail throws a DataError naming the table, the first batch and its manifest, and the new columns", () => {
  assert.throws(
    () => evolveBronze(load("fail"), landed, table),
    (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.equal(error.retryable, false);
      assert.equal(
        error.message,
        'bronze table shop_bronze.orders: batch 20261205T060001Z-3f2a (shop/orders/_manifests/20261205T060001Z-3f2a.json) brings new column(s) coupon, lang and tables.orders.bronze.schemaEvolution is "fail"; add them to bronze by hand or choose add_columns/rescue (retrying will not help)',
      );
      return true;
    },
  );
});
