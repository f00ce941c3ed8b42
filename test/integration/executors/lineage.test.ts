import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LineageDataset } from "../../../src/contracts/lineage.ts";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { silver } from "../../../src/executors/silver.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { context, mariadbSpec, mariadbTable, missingStack } from "./extract-helpers.ts";
import { flatModel, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * What each step reports as its lineage: the datasets it read and wrote, named from the resolved connections
 * (host, port, database, schema, table, bucket and prefix), with their columns and the rows written.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL", "SMELTER_S3_ENDPOINT");
const ROWS = 25;

const fieldNames = (d: LineageDataset | undefined) => d?.fields?.map((f) => f.name);

describe("lineage in the metrics of extract, bronze and silver", { skip: skip ?? false }, () => {
  const { table } = mariadbTable("lineage", async (db, table) => {
    await db.query(
      `CREATE TABLE ${table} (id BIGINT UNSIGNED PRIMARY KEY, payload VARCHAR(100), price DECIMAL(12,2), updated_at DATETIME(6) NOT NULL)`,
    );
    await db.query(
      `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), seq / 4, '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
    );
  });
  let spec: PipelineSpec;
  warehousePool(() => [spec]);

  it("names the source table, the landing folder, bronze and silver with columns, types and rows", async () => {
    spec = withWarehouse(await mariadbSpec(table, { landing: "s3" }), table);
    const source = new URL(process.env.SMELTER_MARIADB_URL as string);
    const warehouse = new URL(process.env.SMELTER_WAREHOUSE_URL as string);
    const bucket = process.env.SMELTER_S3_BUCKET;
    const landing = { namespace: `s3://${bucket}`, name: `test/${spec.name}/${spec.name}/${table}` };
    const bronzeTable = {
      namespace: `postgres://${warehouse.hostname}:${warehouse.port}`,
      name: `${warehouse.pathname.slice(1)}.${spec.bronzeSchema}.${table}`,
    };

    const extracted = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    const e = extracted.lineage;
    assert.deepEqual(
      e?.inputs.map(({ namespace, name, layer }) => ({ namespace, name, layer })),
      [
        {
          namespace: `mysql://${source.hostname}:${source.port}`,
          name: `${source.pathname.slice(1)}.${table}`,
          layer: "source",
        },
      ],
    );
    assert.deepEqual(e?.inputs[0]?.fields, [
      { name: "id", type: "bigint(20) unsigned" },
      { name: "payload", type: "varchar(100)" },
      { name: "price", type: "decimal(12,2)" },
      { name: "updated_at", type: "datetime(6)" },
    ]);
    const landed = e?.outputs[0];
    assert.deepEqual(
      { namespace: landed?.namespace, name: landed?.name, layer: landed?.layer },
      {
        ...landing,
        layer: "landing",
      },
    );
    assert.deepEqual(fieldNames(landed), ["id", "payload", "price", "updated_at"]);
    assert.equal(landed?.fields?.[0]?.type, "UBIGINT");
    assert.equal(landed?.rows, ROWS);
    assert.ok((landed?.bytes ?? 0) > 0);

    const bronzed = await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
    const b = bronzed.lineage;
    assert.deepEqual(
      b?.inputs.map(({ namespace, name, layer }) => ({ namespace, name, layer })),
      [{ ...landing, layer: "landing" }],
    );
    assert.deepEqual(fieldNames(b?.inputs[0]), ["id", "payload", "price", "updated_at"]);
    const bronzeOut = b?.outputs[0];
    assert.deepEqual(
      { namespace: bronzeOut?.namespace, name: bronzeOut?.name, layer: bronzeOut?.layer },
      {
        ...bronzeTable,
        layer: "bronze",
      },
    );
    assert.deepEqual(bronzeOut?.fields?.slice(0, 4), [
      { name: "id", type: "numeric(20,0)" },
      { name: "payload", type: "text" },
      { name: "price", type: "numeric(12,2)" },
      { name: "updated_at", type: "timestamp without time zone" },
    ]);
    assert.equal(bronzeOut?.rows, ROWS);

    const merged = await silver(
      { pipeline: spec.name, step: "silver", table: flatModel(table) },
      context(spec),
    );
    const s = merged.lineage;
    assert.deepEqual(s?.inputs, [{ ...bronzeTable, layer: "bronze" }]);
    const silverOut = s?.outputs[0];
    assert.equal(silverOut?.namespace, bronzeTable.namespace);
    assert.equal(silverOut?.name, `${warehouse.pathname.slice(1)}.${spec.silverSchema}.${flatModel(table)}`);
    assert.deepEqual(fieldNames(silverOut)?.slice(0, 3), ["id", "payload", "updated_at"]);
    assert.equal(silverOut?.rows, ROWS);

    // Nothing new: the same datasets, no rows written.
    const again = await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
    assert.equal(again.lineage?.outputs[0]?.rows, 0);
    assert.equal(again.lineage?.inputs[0]?.fields, undefined, "no batch applied: no landed columns to tell");

    const everything = JSON.stringify([e, b, s]);
    for (const secret of [source.password, warehouse.password, "smelter-secret"]) {
      assert.ok(!everything.includes(`:${secret}@`) && !everything.includes(`"${secret}"`), secret);
    }
    assert.doesNotMatch(everything, /@/, "no user@host anywhere");
  });
});
