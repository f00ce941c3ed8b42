import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DAILY_METRICS, NETWORK_ACCOUNT_TYPES, NETWORK_ACCOUNTS, POSTS } from "../../../src/demo/schema.ts";
import { loadPipeline } from "../../../src/registry.ts";
import { resolveDatabase, resolveLanding } from "../../../src/spec/resolve.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/social.yaml", import.meta.url));
const DELTA_EXAMPLE = fileURLToPath(new URL("../../../examples/social-delta.yaml", import.meta.url));

/** The variables the local stack writes to stack.env that the example reads. */
const STACK_ENV = {
  SMELTER_MARIADB_HOST: "127.0.0.1",
  SMELTER_MARIADB_PORT: "13306",
  SMELTER_MARIADB_DATABASE: "social",
  SMELTER_MARIADB_USER: "smelter",
  SMELTER_MARIADB_PASSWORD: "smelter",
  SMELTER_PG_HOST: "127.0.0.1",
  SMELTER_PG_PORT: "15432",
  SMELTER_PG_USER: "smelter",
  SMELTER_PG_PASSWORD: "smelter",
  SMELTER_S3_BUCKET: "smelter-landing",
  SMELTER_S3_ENDPOINT: "http://127.0.0.1:19000",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "smelter",
  AWS_SECRET_ACCESS_KEY: "smelter-secret",
};

describe("example pipeline examples/social.yaml", () => {
  it("is a valid spec covering every demo table with its key and the updated_at cursor", async () => {
    const { spec } = await loadPipeline(EXAMPLE);
    assert.equal(spec.name, "social");
    const byName = new Map(spec.tables.map((t) => [t.name, t]));
    for (const demo of [NETWORK_ACCOUNT_TYPES, NETWORK_ACCOUNTS, POSTS, DAILY_METRICS]) {
      const table = byName.get(demo.name);
      assert.ok(table, `table ${demo.name} is extracted`);
      assert.deepEqual(table.cursor, ["updated_at"]);
      for (const column of [...table.primaryKey, ...table.clusterBy])
        assert.ok(demo.columns.includes(column));
    }
    assert.equal(byName.get("network_accounts")?.deletes.mode, "soft");
    assert.equal(byName.get("network_account_types")?.deletes.mode, "reconcile");
    assert.deepEqual(
      spec.silver.map((m) => [m.name, m.scd]),
      [
        ["accounts", 1],
        ["posts_flat", 1],
        ["account_history", 2],
      ],
    );
  });

  it("resolves every connection from the variables of the local stack's environment", async () => {
    const { spec } = await loadPipeline(EXAMPLE);
    const source = resolveDatabase(spec, "social_db", STACK_ENV);
    assert.equal(source.port, 13306);
    assert.equal(source.database, "social");
    assert.equal(resolveDatabase(spec, spec.warehouse, STACK_ENV).database, "warehouse");
    const landing = resolveLanding(spec, spec.landing, STACK_ENV);
    assert.equal(landing.kind === "s3" && landing.endpoint, "http://127.0.0.1:19000");
  });
});

describe("example pipeline examples/social-delta.yaml", () => {
  it("is the demo's pipeline with a Spark warehouse: the same tables, keys, deletes and silver models", async () => {
    const postgres = (await loadPipeline(EXAMPLE)).spec;
    const delta = (await loadPipeline(DELTA_EXAMPLE)).spec;
    assert.equal(delta.name, "social_delta");
    const shape = (spec: typeof postgres) => ({
      tables: spec.tables.map((t) => [t.name, t.primaryKey, t.cursor, t.deletes, t.clusterBy]),
      silver: spec.silver.map((m) => [m.name, m.from, m.key, m.scd, m.columns.map((c) => c.name)]),
    });
    assert.deepEqual(shape(delta), shape(postgres));
  });

  it("resolves its Spark warehouse from the variables of the local stack's environment", async () => {
    const { spec } = await loadPipeline(DELTA_EXAMPLE);
    const warehouse = resolveDatabase(spec, spec.warehouse, {
      ...STACK_ENV,
      SMELTER_SPARK_HOST: "127.0.0.1",
      SMELTER_SPARK_PORT: "10009",
      SMELTER_SPARK_USER: "smelter",
      SMELTER_SPARK_PASSWORD: "smelter",
    });
    assert.equal(warehouse.kind, "spark");
    assert.equal(warehouse.port, 10009);
  });
});
