import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePipeline } from "../../../src/registry.ts";
import { resolveDatabase } from "../../../src/spec/resolve.ts";

const spec = (lake: string) =>
  parsePipeline(
    `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: SHOP_PW } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  lake: ${lake}
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables: [{ name: orders, source: shop_db, primary_key: [id], cursor: [updated_at] }]
`,
    "shop.yaml",
  ).spec;

test("a Spark connection resolves its catalog, table location and landing path, settings from the environment", () => {
  const db = resolveDatabase(
    spec(
      "{ kind: spark, host: 127.0.0.1, user: smelter, password: { env: LAKE_PW }, catalog: spark_catalog, location: { env: LAKE_LOCATION }, landing_path: s3a://lake/landing }",
    ),
    "lake",
    { LAKE_PW: "pw", LAKE_LOCATION: "s3a://lake/tables" },
  );
  assert.equal(db.kind, "spark");
  assert.equal(db.port, 10000, "the Thrift server's default port");
  assert.equal(db.database, "default", "a Spark session needs no database");
  assert.equal(db.catalog, "spark_catalog");
  assert.equal(db.location, "s3a://lake/tables");
  assert.equal(db.landingPath, "s3a://lake/landing");
  assert.equal(db.password, "pw");
});

test("a Spark setting read from a missing variable names the setting as written", () => {
  const lake = spec("{ kind: spark, host: h, user: u, landing_path: { env: LAKE_LANDING } }");
  assert.throws(
    () => resolveDatabase(lake, "lake", {}),
    /connections\.lake\.landing_path: environment variable LAKE_LANDING is not set/,
  );
});

test("a Spark connection leaves the PostgreSQL and MariaDB settings as they were", () => {
  const db = resolveDatabase(spec("{ kind: spark, host: h, user: u }"), "shop_db", { SHOP_PW: "x" });
  assert.equal(db.catalog, undefined);
  assert.equal(db.location, undefined);
  assert.equal(db.landingPath, undefined);
});
