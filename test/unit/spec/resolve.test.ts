import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../../src/errors.ts";
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

const warehouseAt = (url: string) =>
  resolveDatabase(spec("{ kind: local, path: /tmp/lake }"), "warehouse", { WAREHOUSE_URL: url });

test("a connection URL whose password ends the host early is refused, naming the connection and none of the URL", () => {
  // A password with an unencoded "/", "?" or "#" ends the authority there: `u:1234` would read as host and port,
  // and the rest of the password would be shown as the database.
  for (const url of [
    "mysql://loader:1234/rest-of-pw@db.internal:3306/shop",
    "postgres://loader:5678?rest-of-pw@db.internal/dw",
    "postgres://loader:5678#rest-of-pw@db.internal/dw",
  ]) {
    assert.throws(
      () => warehouseAt(url),
      (e: Error) => {
        assert.ok(e instanceof ConfigError && !e.retryable);
        assert.match(e.message, /^connections\.warehouse\.url: the user information ends before its "@"/);
        assert.match(e.message, /percent-encode reserved characters in the user and password \(\/ as %2F/);
        assert.doesNotMatch(e.message, /loader|1234|5678|rest-of-pw|db\.internal|shop|dw\b/);
        return true;
      },
      url,
    );
  }
});

test("a connection URL that does not parse is refused with how to encode it, without echoing it", () => {
  assert.throws(
    () => warehouseAt("postgres://loader:pa/ss@db.internal/dw"),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.startsWith(
        "connections.warehouse.url: not a valid URL; percent-encode reserved characters",
      ) &&
      !/loader|pa\/ss|ss@|db\.internal/.test(e.message),
  );
});

test("valid connection URLs resolve as written: encoded passwords, @ in the user, the password or the query", () => {
  const cases: [string, { host: string; user: string; password: string; database: string }][] = [
    [
      "mysql://loader:1234%2Frest%3F%23@db.internal:3306/shop",
      { host: "db.internal", user: "loader", password: "1234/rest?#", database: "shop" },
    ],
    [
      "postgres://me%40corp:pw@db.internal/dw",
      { host: "db.internal", user: "me@corp", password: "pw", database: "dw" },
    ],
    // WHATWG URLs end the user information at the last "@": one in the password needs no encoding.
    [
      "postgres://u:p@ss@db.internal/dw",
      { host: "db.internal", user: "u", password: "p@ss", database: "dw" },
    ],
    [
      "postgres://u:pw@db.internal/dw?application_name=etl@corp",
      { host: "db.internal", user: "u", password: "pw", database: "dw" },
    ],
    [
      "postgres://u:pw@db.internal/dw%40eu",
      { host: "db.internal", user: "u", password: "pw", database: "dw@eu" },
    ],
  ];
  for (const [url, expected] of cases) {
    const db = warehouseAt(url);
    assert.deepEqual(
      { host: db.host, user: db.user, password: db.password, database: db.database },
      expected,
      url,
    );
  }
  // No user information at all: the user comes from the connection's fields.
  const plain = resolveDatabase(
    parsePipeline(
      `version: 1
name: shop
connections:
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL }, user: loader, password: { env: WH_PW } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables: [{ name: orders, source: warehouse, primary_key: [id], cursor: [updated_at] }]
`,
      "shop.yaml",
    ).spec,
    "warehouse",
    { WAREHOUSE_URL: "postgres://db.internal:5433/dw", WH_PW: "pw" },
  );
  assert.deepEqual(
    [plain.host, plain.port, plain.database, plain.user],
    ["db.internal", 5433, "dw", "loader"],
  );
});
