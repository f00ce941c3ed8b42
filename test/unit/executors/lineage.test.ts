import assert from "node:assert/strict";
import { test } from "node:test";
import { tableDataset } from "../../../src/contracts/lineage.ts";
import { landingDataset } from "../../../src/executors/lineage.ts";
import { openLandingZone } from "../../../src/landing/index.ts";
import { sources } from "../../../src/sources/index.ts";
import { WAREHOUSES } from "../../../src/warehouse/index.ts";

const db = { host: "db.internal", port: 3306, database: "social" };

test("source tables are named as OpenLineage names MySQL and PostgreSQL tables", () => {
  const mariadb = sources.mariadb!.lineage;
  assert.deepEqual(tableDataset(mariadb, db, "posts"), {
    namespace: "mysql://db.internal:3306",
    name: "social.posts",
  });
  assert.equal(tableDataset(mariadb, db, "archive.posts").name, "archive.posts", "a schema is a database");
  assert.equal(sources.mysql!.lineage, mariadb);
  const postgres = sources.postgres!.lineage;
  const pg = { host: "pg.internal", port: 5432, database: "crm" };
  assert.deepEqual(tableDataset(postgres, pg, "contacts"), {
    namespace: "postgres://pg.internal:5432",
    name: "crm.public.contacts",
  });
  assert.equal(tableDataset(postgres, pg, "sales.deals").name, "crm.sales.deals");
});

test("warehouse tables carry their schema, under the database where the warehouse has one", () => {
  const wh = { host: "wh.internal", port: 5432, database: "warehouse" };
  assert.deepEqual(tableDataset(WAREHOUSES.postgres!.lineage, wh, "social_bronze.posts"), {
    namespace: "postgres://wh.internal:5432",
    name: "warehouse.social_bronze.posts",
  });
  const spark = { host: "spark.internal", port: 10000, database: "default" };
  assert.deepEqual(tableDataset(WAREHOUSES.spark!.lineage, spark, "social_silver.posts_flat"), {
    namespace: "hive://spark.internal:10000",
    name: "social_silver.posts_flat",
  });
});

test("a landing folder is named by its bucket and key prefix, or by its absolute path", () => {
  const s3 = openLandingZone({
    name: "landing",
    kind: "s3",
    bucket: "acme-landing",
    prefix: "raw/",
    region: "eu-west-1",
    accessKeyId: "AKIAEXAMPLEKEY",
    secretAccessKey: "example-secret-value",
  });
  assert.deepEqual(landingDataset(s3, "social", "posts"), {
    namespace: "s3://acme-landing",
    name: "raw/social/posts",
  });
  const unprefixed = openLandingZone({ name: "l", kind: "s3", bucket: "b", prefix: "", region: "us-east-1" });
  assert.deepEqual(landingDataset(unprefixed, "social", "posts"), {
    namespace: "s3://b",
    name: "social/posts",
  });
  const local = openLandingZone({ name: "l", kind: "local", path: "/srv/land", prefix: "zone" });
  assert.deepEqual(landingDataset(local, "social", "posts"), {
    namespace: "file",
    name: "/srv/land/zone/social/posts",
  });
  assert.doesNotMatch(JSON.stringify(landingDataset(s3, "social", "posts")), /AKIA|secret/);
});
