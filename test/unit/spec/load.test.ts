import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KINDS, loadPipeline, loadPipelines, parsePipeline } from "../../../src/registry.ts";
import type { KindSupport } from "../../../src/spec/check.ts";
import { parsePipeline as parseChecked } from "../../../src/spec/load.ts";
import { formatProblem, SpecErrors } from "../../../src/spec/problems.ts";
import { WAREHOUSES } from "../../../src/warehouse/index.ts";

const BASE = `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: SHOP_PW } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
`;

/** The formatted problems of a spec that must fail. */
function problems(text: string): string[] {
  try {
    parsePipeline(text, "spec.yaml");
  } catch (error) {
    assert.ok(error instanceof SpecErrors, String(error));
    return error.problems.map(formatProblem);
  }
  assert.fail("the spec loaded without problems");
}

describe("loading a valid spec", () => {
  test("fills every default", () => {
    const { spec, hash } = parsePipeline(
      `${BASE}tables:\n  - { name: orders, primary_key: [id], cursor: [updated_at] }\n`,
      "x.yaml",
    );
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(spec.bronzeSchema, "shop_bronze");
    assert.equal(spec.silverSchema, "shop_silver");
    assert.deepEqual(spec.tables[0], {
      name: "orders",
      source: "shop_db",
      table: "orders",
      primaryKey: ["id"],
      cursor: ["updated_at"],
      mode: "incremental",
      chunkSize: 100000,
      lagSeconds: 0,
      deletes: { mode: "none" },
      columns: {},
      typeOverrides: {},
      clusterBy: [],
      bronze: { schemaEvolution: "add_columns", changeFeed: true },
      fileRows: 250000,
      freshness: { warnAfterSeconds: null, errorAfterSeconds: null },
    });
    assert.deepEqual(spec.airflow, {
      schedule: null,
      startDate: "2024-01-01",
      pool: null,
      poolSlots: 1,
      poolSize: null,
      maxActiveTasks: 8,
      maxActiveRuns: 1,
      retries: 2,
      retryDelaySeconds: 300,
      executionTimeoutSeconds: 7200,
      owner: "smelter",
      tags: [],
      granularity: "table",
      layout: "step",
      split: null,
      assets: false,
      connectionId: "smelter_default",
      deferrable: null,
      waitBeforeDeferSeconds: 10,
    });
    assert.deepEqual(spec.connections.shop_db, {
      kind: "mariadb",
      host: "127.0.0.1",
      database: "shop",
      user: "u",
      password: { env: "SHOP_PW" },
      timezone: "+00:00",
      maxConnections: 4,
    });
  });

  test("applies the defaults block under each table's own settings", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/social.yaml");
    const [posts, accounts, reactions] = spec.tables;
    assert.equal(posts!.lagSeconds, 300);
    assert.equal(reactions!.lagSeconds, 90);
    assert.equal(posts!.chunkSize, 50000);
    assert.deepEqual(posts!.bronze, { schemaEvolution: "rescue", changeFeed: true });
    assert.deepEqual(reactions!.bronze, { schemaEvolution: "fail", changeFeed: false });
    assert.deepEqual(posts!.deletes, { mode: "soft", column: "deleted", value: 1 });
    assert.deepEqual(accounts!.deletes, { mode: "reconcile", everyRuns: 24 });
    assert.deepEqual(spec.tables[3]!.deletes, { mode: "reconcile", everyRuns: 1 });
    assert.equal(reactions!.table, undefined);
    assert.match(reactions?.query ?? "", /^SELECT/);
    assert.equal(spec.airflow.retryDelaySeconds, 120);
    assert.equal(spec.airflow.executionTimeoutSeconds, 3600);
  });

  test("expands silver column shorthands and takes the key from the bronze primary key", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/social.yaml");
    const [flat, history] = spec.silver;
    assert.deepEqual(flat!.columns[1], { name: "network_account_type_id", from: "network_account_type_id" });
    assert.deepEqual(flat!.columns[3], {
      name: "author_handle",
      json: { column: "payload", path: "$.author.handle" },
      type: "text",
    });
    assert.deepEqual(history!.key, ["id"]);
    assert.equal(history!.scd, 2);
    assert.equal(history!.includeAll, true);
  });

  test("a freshness SLA takes each threshold from the table or model, else from the pipeline", () => {
    const { spec } = parsePipeline(
      `${BASE}freshness: { warn_after: 2h, error_after: 6h }
tables:
  - { name: orders, primary_key: [id], cursor: [updated_at], freshness: { warn_after: 30m } }
  - { name: items, primary_key: [id], cursor: [updated_at] }
silver:
  - { name: orders_flat, from: orders, include_all: true, freshness: { error_after: 1d } }
`,
      "x.yaml",
    );
    assert.deepEqual(spec.tables[0]?.freshness, { warnAfterSeconds: 1800, errorAfterSeconds: 21600 });
    assert.deepEqual(spec.tables[1]?.freshness, { warnAfterSeconds: 7200, errorAfterSeconds: 21600 });
    assert.deepEqual(spec.silver[0]?.freshness, { warnAfterSeconds: 7200, errorAfterSeconds: 86400 });
  });

  test("hashes the file's bytes", async () => {
    const a = parsePipeline(`${BASE}tables: [{ name: a, primary_key: [id], mode: full }]\n`, "a.yaml");
    const b = parsePipeline(`${BASE}tables: [{ name: a, primary_key: [id], mode: full }]\n\n`, "a.yaml");
    assert.notEqual(a.hash, b.hash);
  });
});

describe("schema errors are all reported with file, line, column and spec path", () => {
  const cases: [string, string, string[]][] = [
    [
      "a missing required property",
      `${BASE}tables: [{ name: a, cursor: [x] }]\n`,
      ['spec.yaml:9:10 tables[0]: missing required property "primary_key"'],
    ],
    [
      "a wrong type",
      `${BASE}tables:\n  - name: a\n    primary_key: [id]\n    cursor: updated_at\n`,
      ["spec.yaml:12:13 tables[0].cursor: must be an array of column names"],
    ],
    [
      "an unknown property, with a suggestion",
      `${BASE}tables:\n  - name: a\n    primary_key: [id]\n    cursr: [x]\n`,
      ['spec.yaml:12:5 tables[0].cursr: unknown property "cursr" (did you mean "cursor"?)'],
    ],
    [
      "an inline password",
      BASE.replace("{ env: SHOP_PW }", "hunter2") + "tables: [{ name: a, primary_key: [id], mode: full }]\n",
      [
        "spec.yaml:4:81 connections.shop_db.password: must be a secret reference {env: VARIABLE} or {file: /absolute/path}; secrets are never written inline",
      ],
    ],
    [
      "credentials in a host",
      BASE.replace("host: 127.0.0.1", "host: u:pw@db") +
        "tables: [{ name: a, primary_key: [id], mode: full }]\n",
      [
        "spec.yaml:4:35 connections.shop_db.host: must be a host name (no user, password or path) or {env: VARIABLE}",
      ],
    ],
    [
      "an identifier smelter would create that is not a SQL identifier",
      `${BASE}tables: [{ name: Orders-2024, primary_key: [id], mode: full }]\n`,
      [
        "spec.yaml:9:18 tables[0].name: must be a lower-case SQL identifier (a-z, 0-9, _; starts with a letter or _; at most 63 characters)",
      ],
    ],
    [
      "a bad enum value",
      `${BASE}tables: [{ name: a, primary_key: [id], mode: sometimes }]\n`,
      ['spec.yaml:9:46 tables[0].mode: must be one of: "incremental", "full", "cdc"'],
    ],
    [
      "a bad duration and a bad schedule",
      `${BASE}tables: [{ name: a, primary_key: [id], mode: full, lag: soon }]\nairflow: { schedule: often }\n`,
      [
        'spec.yaml:9:57 tables[0].lag: must be a duration: seconds, or a string like "30s", "5m", "1h", "2d"',
        "spec.yaml:10:22 airflow.schedule: must be a cron expression (5 or 6 fields), a preset such as @hourly, or null",
      ],
    ],
  ];
  for (const [what, text, expected] of cases) {
    test(what, () => assert.deepEqual(problems(text), expected));
  }

  test("a YAML syntax error is located and stops further checks", () => {
    assert.deepEqual(problems(`${BASE}tables: [{ name: a\n`), [
      "spec.yaml:10:1 Flow map in block collection must be sufficiently indented and end with a }",
      "spec.yaml:10:1 Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  test("a duplicated key is a YAML error at the second key", () => {
    assert.deepEqual(
      problems(`${BASE}landing: other\ntables: [{ name: a, primary_key: [id], mode: full }]\n`),
      ["spec.yaml:9:1 Map keys must be unique"],
    );
  });
});

describe("semantic errors are all reported with their location", () => {
  test("unknown connections, duplicate names, unknown silver inputs and more in one report", () => {
    const text = `${BASE}tables:
  - { name: a, primary_key: [id], cursor: [t], source: nowhere }
  - { name: a, primary_key: [id] }
  - { name: b, primary_key: [id], mode: full, table: b, query: SELECT 1 }
  - { name: c, primary_key: [id], mode: full, columns: { include: [x] } }
  - { name: d, primary_key: [id], mode: full, partition_by: { column: id, kind: hash } }
silver:
  - { name: m, from: missing, columns: [id] }
  - { name: m, from: a, columns: [id] }
  - { name: n, from: m, columns: [id] }
  - { name: o, from: b, columns: [x, x] }
airflow: { start_date: "2024-02-30" }
`;
    assert.deepEqual(problems(text), [
      'spec.yaml:10:56 tables[0].source: unknown connection "nowhere" (known connections: shop_db, warehouse, landing)',
      "spec.yaml:11:5 tables[1].cursor: is required when mode is incremental (or set mode: full)",
      'spec.yaml:11:13 tables[1].name: duplicate table name "a" (first at tables[0])',
      "spec.yaml:12:64 tables[2].query: give either table or query, not both",
      'spec.yaml:13:67 tables[3].columns.include: must include primary_key column "id"',
      "spec.yaml:14:61 tables[4].partition_by: hash partitioning needs partitions: N",
      'spec.yaml:16:22 silver[0].from: unknown table "missing" (tables: a, b, c, d)',
      'spec.yaml:17:13 silver[1].name: duplicate silver model name "m" (first at silver[0])',
      'spec.yaml:18:22 silver[2].from: "m" is a silver model; silver models read bronze tables only',
      'spec.yaml:19:5 silver[3].key: key column "id" is not a column of the model (list it in columns or set key)',
      'spec.yaml:19:38 silver[3].columns[1]: duplicate column "x" (first at silver[3].columns[0])',
      'spec.yaml:20:24 airflow.start_date: "2024-02-30" is not a calendar date',
    ]);
  });

  test("the warehouse and the landing zone must be kinds the registries hold", () => {
    const text = BASE.replace(
      "warehouse: warehouse\nlanding: landing",
      "warehouse: shop_db\nlanding: warehouse",
    );
    const warehouses = Object.keys(WAREHOUSES).join(", ");
    assert.deepEqual(problems(`${text}tables: [{ name: a, primary_key: [id], mode: full }]\n`), [
      `spec.yaml:7:12 warehouse: connection "shop_db" is mariadb; the warehouse must be one of: ${warehouses}`,
      'spec.yaml:8:10 landing: connection "warehouse" is postgres; the landing zone must be one of: s3, local',
    ]);
  });

  test("a warehouse-only kind named as a table's source is refused", () => {
    const text = BASE.replace(
      "warehouse: warehouse\n",
      "  lake: { kind: spark, host: h, user: u }\nwarehouse: warehouse\n",
    );
    assert.deepEqual(
      problems(`${text}tables: [{ name: a, source: lake, primary_key: [id], mode: full }]\n`),
      [
        'spec.yaml:10:29 tables[0].source: connection "lake" is spark, not a source database (sources: mariadb, mysql, postgres)',
      ],
    );
  });

  test("options the chosen warehouse lacks are reported where they are written", () => {
    // A warehouse kind that cannot partition, keeps no SCD2 history, clusters by two columns and knows one type.
    const kinds: KindSupport = {
      ...KINDS,
      warehouses: {
        postgres: {
          capabilities: {
            mergeStrategies: ["upsert"],
            partitioning: [],
            maxClusterColumns: 2,
            changeBatches: false,
          },
          checkType: (type) => (type === "known" ? null : `"${type}" is not a type of this warehouse`),
        },
      },
    };
    const text = `${BASE}tables:
  - name: a
    primary_key: [id]
    mode: full
    partition_by: { column: id, kind: list }
    cluster_by: [x, y, z]
    type_overrides: { x: known, y: jsonb }
  - { name: b, primary_key: [id], mode: cdc }
silver:
  - { name: m, from: a, key: [id], scd: 2, columns: [{ name: id, from: id, type: nope }] }
`;
    let found: string[] = [];
    try {
      parseChecked(text, "spec.yaml", kinds);
    } catch (error) {
      assert.ok(error instanceof SpecErrors, String(error));
      found = error.problems.map(formatProblem);
    }
    assert.deepEqual(found, [
      "spec.yaml:13:39 tables[0].partition_by.kind: warehouse postgres does not partition tables; remove partition_by (cluster_by orders the data instead)",
      "spec.yaml:14:17 tables[0].cluster_by: warehouse postgres clusters by at most 2 columns",
      'spec.yaml:15:36 tables[0].type_overrides.y: "jsonb" is not a type of this warehouse (warehouse postgres)',
      "spec.yaml:16:41 tables[1].mode: warehouse postgres does not apply changes read from a log yet; read this table with mode incremental or full",
      "spec.yaml:18:41 silver[0].scd: warehouse postgres does not keep SCD type 2 history; use scd: 1",
      'spec.yaml:18:82 silver[0].columns[0].type: "nope" is not a type of this warehouse (warehouse postgres)',
    ]);
  });

  test("a cdc table loads with no cursor and refuses a query, a cursor and key reconciliation", () => {
    const { spec } = parsePipeline(`${BASE}tables: [{ name: a, primary_key: [id], mode: cdc }]\n`, "x.yaml");
    assert.equal(spec.tables[0]?.mode, "cdc");
    assert.deepEqual(spec.tables[0]?.cursor, []);
    assert.deepEqual(
      problems(`${BASE}tables:
  - { name: a, query: "SELECT 1 AS id", primary_key: [id], mode: cdc, cursor: [id], deletes: reconcile }
`),
      [
        "spec.yaml:10:23 tables[0].query: mode cdc reads a source table's log; name the table (table: schema.table) instead of a query",
        "spec.yaml:10:79 tables[0].cursor: is not used by mode cdc (changes are ordered by their log position); remove it",
        "spec.yaml:10:94 tables[0].deletes: mode cdc reads deletes from the log; key reconciliation does not apply (use none or soft)",
      ],
    );
  });

  test("a cdc table needs a primary key: its changes are applied by key", () => {
    assert.deepEqual(problems(`${BASE}tables: [{ name: a, mode: cdc }]\n`), [
      'spec.yaml:9:10 tables[0]: missing required property "primary_key"',
    ]);
  });

  test("a cdc table on a source kind without change capture is refused at its mode", () => {
    const kinds: KindSupport = { ...KINDS, changeCapture: ["mariadb"] };
    const text = `${BASE.replace("kind: mariadb", "kind: mysql")}tables: [{ name: a, primary_key: [id], mode: cdc }]\n`;
    let found: string[] = [];
    try {
      parseChecked(text, "spec.yaml", kinds);
    } catch (error) {
      assert.ok(error instanceof SpecErrors, String(error));
      found = error.problems.map(formatProblem);
    }
    assert.deepEqual(found, [
      'spec.yaml:9:46 tables[0].mode: source "shop_db" is mysql, whose log smelter does not read (mode cdc works with: mariadb)',
    ]);
  });

  test("a table without a source is an error when several source databases exist", () => {
    const text = BASE.replace(
      "connections:\n",
      "connections:\n  other_db: { kind: postgres, url: { env: X } }\n",
    );
    assert.deepEqual(problems(`${text}tables: [{ name: a, primary_key: [id], mode: full }]\n`), [
      "spec.yaml:10:10 tables[0]: names no source: set source here or defaults.source (more than one source database exists)",
    ]);
  });

  test("an error_after below warn_after is reported where it is written, once", () => {
    const text = `${BASE}freshness: { warn_after: 2h, error_after: 1h }
tables:
  - { name: a, primary_key: [id], mode: full }
  - { name: b, primary_key: [id], mode: full }
  - { name: c, primary_key: [id], mode: full, freshness: { warn_after: 10m, error_after: 5m } }
`;
    const found = problems(text);
    assert.equal(found.length, 2, found.join("\n"));
    assert.match(
      found[0]!,
      /spec\.yaml:9:\d+ freshness\.error_after: error_after \(3600 s\) is below warn_after \(7200 s\)/,
    );
    assert.match(
      found[1]!,
      /tables\[2\]\.freshness\.error_after: error_after \(300 s\) is below warn_after \(600 s\)/,
    );
  });

  test("a task per table cannot be combined with assets or with a task per source", () => {
    const tables = "tables: [{ name: a, primary_key: [id], mode: full }]\n";
    assert.deepEqual(problems(`${BASE}${tables}airflow: { layout: table, assets: true }\n`), [
      "spec.yaml:10:20 airflow.layout: layout: table runs a table's silver models inside the table's task; it cannot be combined with assets: true, which runs silver in its own DAG",
    ]);
    assert.deepEqual(problems(`${BASE}${tables}airflow: { layout: table, granularity: source }\n`), [
      "spec.yaml:10:20 airflow.layout: layout: table needs granularity: table (a task per table)",
    ]);
  });

  test("a pipeline name with a double underscore is rejected", () => {
    const text = BASE.replace("name: shop", "name: shop__eu");
    assert.deepEqual(problems(`${text}tables: [{ name: a, primary_key: [id], mode: full }]\n`), [
      'spec.yaml:2:7 name: must not contain "__" (it separates the parts of DAG and task ids)',
    ]);
  });
});

describe("loading several files", () => {
  test("reports the problems of every file together", async () => {
    await assert.rejects(
      loadPipelines(["test/fixtures/specs/minimal.yaml", "does/not/exist.yaml"]),
      (error) => {
        assert.ok(error instanceof SpecErrors);
        assert.deepEqual(error.problems.map(formatProblem), [
          "does/not/exist.yaml:1:1 cannot read the file (ENOENT)",
        ]);
        return true;
      },
    );
  });
});
