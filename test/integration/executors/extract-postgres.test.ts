import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DataError } from "../../../src/errors.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { postgresType } from "../../../src/warehouse/postgres/types.ts";
import {
  context,
  landedRows,
  landingZone,
  manifests,
  missingStack,
  pipelineSpec,
  postgresSource,
  readWithPyarrow,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";

const skip = missingStack("SMELTER_PG_URL");
const URL_ENV = "TEST_PG_SOURCE_URL";

describe("extract from PostgreSQL", { skip: skip ?? false }, () => {
  /** The source database of this test, created fresh on the stack's PostgreSQL server. */
  const { src } = postgresSource("src", URL_ENV);
  let spec: PipelineSpec;
  const table = "posts";

  before(async () => {
    await src().query(`CREATE SCHEMA app`);
    await src().query(`CREATE TABLE app.${table} (
      id int8 PRIMARY KEY, updated_at timestamptz NOT NULL,
      n numeric(38,10), n_wide numeric(60,20), n_free numeric, i8 int8, ts timestamp(6), d date, b boolean,
      j jsonb, t text, by bytea, u uuid, ints int4[], tags text[], iv interval)`);
    await src().query(`INSERT INTO app.${table} VALUES
      (1, '2026-01-01 00:00:01+00', 1234567890123456789012345678.0123456789,
       1234567890123456789012345678901234567890.12345678901234567890, 3.14159265358979323846264338327950288419716939937510,
       -9223372036854775808, '2026-03-04 05:06:07.123456', '2026-03-04', true,
       '{"a": [1, 2.5, "x"], "b": null, "q": "say \\"hi\\""}', 'emoji 🦄, quotes "x" and a
line break', '\\x00ff10', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2,NULL}', '{"a,b","c"}', '1 day 02:03:04'),
      (2, '2026-01-01 00:00:02+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, '2026-01-01 00:00:02+00', 0, 0, 0, 0, '2026-01-01 00:00:00', '2026-01-01', false,
       '[]', '', '\\x', '00000000-0000-0000-0000-000000000000', '{}', '{}', '0')`);
    spec = await pipelineSpec(uniqueName("p"), [tableSpec({ name: table, table: `app.${table}` })], {
      source: "postgres",
      urlEnv: URL_ENV,
      landing: "local",
    });
  });

  it("lands every type exactly, readable by DuckDB and pyarrow", async () => {
    const ctx = context(spec);
    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
    assert.equal(metrics.rowsLanded, 3);
    assert.deepEqual(metrics.watermark, ["2026-01-01 00:00:02+00"]);
    const [m] = await manifests(spec, table);
    assert.ok(m);
    const types = Object.fromEntries(
      m.schema.columns.map((c) => [c.name, [c.parquetType, postgresType(c.logical)]]),
    );
    assert.deepEqual(types, {
      id: ["BIGINT", "bigint"],
      updated_at: ["TIMESTAMPTZ", "timestamptz"],
      n: ["DECIMAL(38,10)", "numeric(38,10)"],
      n_wide: ["VARCHAR", "numeric(60,20)"],
      n_free: ["VARCHAR", "numeric"],
      i8: ["BIGINT", "bigint"],
      ts: ["TIMESTAMP", "timestamp"],
      d: ["DATE", "date"],
      b: ["BOOLEAN", "boolean"],
      j: ["JSON", "jsonb"],
      t: ["VARCHAR", "text"],
      by: ["BLOB", "bytea"],
      u: ["VARCHAR", "uuid"],
      ints: ["VARCHAR", "integer[]"],
      tags: ["VARCHAR", "text[]"],
      iv: ["VARCHAR", "interval"],
    });

    const [one, nulls, zero] = await landedRows(spec, m);
    assert.ok(one && nulls && zero);
    assert.equal(one.updated_at, "2026-01-01 00:00:01+00");
    assert.equal(one.n, "1234567890123456789012345678.0123456789");
    assert.equal(one.n_wide, "1234567890123456789012345678901234567890.12345678901234567890");
    assert.equal(one.n_free, "3.14159265358979323846264338327950288419716939937510");
    assert.equal(one.i8, "-9223372036854775808");
    assert.equal(one.ts, "2026-03-04 05:06:07.123456");
    assert.equal(one.d, "2026-03-04");
    assert.equal(one.b, true);
    assert.deepEqual(JSON.parse(String(one.j)), { a: [1, 2.5, "x"], b: null, q: 'say "hi"' });
    assert.equal(one.t, 'emoji 🦄, quotes "x" and a\nline break');
    assert.equal(one.by, "\\x00\\xFF\\x10");
    assert.equal(one.u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    assert.equal(one.ints, "{1,2,NULL}");
    assert.equal(one.tags, '{"a,b",c}');
    assert.equal(one.iv, "1 day 02:03:04");
    for (const [k, v] of Object.entries(nulls))
      if (!["id", "updated_at"].includes(k)) assert.equal(v, null, k);
    assert.deepEqual(
      [zero.n, zero.b, zero.j, zero.t, zero.by, zero.ints, zero.iv],
      ["0.0000000000", false, "[]", "", "", "{}", "00:00:00"],
    );

    const py = readWithPyarrow(landingZone(spec), m.files[0]?.key);
    assert.equal(py.types.n, "decimal128(38, 10)");
    assert.equal(py.types.i8, "int64");
    assert.equal(py.types.ts, "timestamp[us]");
    assert.equal(py.types.updated_at, "timestamp[us, tz=UTC]");
    assert.equal(py.types.d, "date32[day]");
    assert.equal(py.types.by, "binary");
    assert.equal(py.types.b, "bool");
    const pyRow = py.rows.find((r) => r.id === "1");
    assert.ok(pyRow);
    assert.equal(pyRow.n, "1234567890123456789012345678.0123456789");
    assert.equal(pyRow.n_wide, "1234567890123456789012345678901234567890.12345678901234567890");
    assert.equal(pyRow.i8, "-9223372036854775808");
    assert.equal(pyRow.updated_at, "2026-01-01 00:00:01+00:00");
    assert.equal(pyRow.ts, "2026-03-04 05:06:07.123456");
    assert.equal(pyRow.t, 'emoji 🦄, quotes "x" and a\nline break');
    assert.equal(pyRow.by, "00ff10");
    const pyZero = py.rows.find((r) => r.id === "3");
    assert.ok(pyZero);
    assert.deepEqual([pyZero.t, pyZero.by], ["", ""]);
  });

  it("picks up inserts, updates and rows sharing the watermark exactly once", async () => {
    await src().query(`INSERT INTO app.${table} (id, updated_at, t) VALUES
      (4, '2026-01-01 00:00:02+00', 'shares the watermark'), (5, '2026-01-01 00:00:05+00', 'later')`);
    await src().query(
      `UPDATE app.${table} SET t = 'changed', updated_at = '2026-01-01 00:00:06+00' WHERE id = 1`,
    );
    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    assert.deepEqual(metrics.watermark, ["2026-01-01 00:00:06+00"]);
    const all = await manifests(spec, table);
    assert.equal(all.length, 2);
    const second = all[1] as BatchManifest;
    assert.deepEqual(second.watermark.from, ["2026-01-01 00:00:02+00"]);
    const rows = await landedRows(spec, second);
    // 2 and 3 share the previous watermark: re-read (closed start), identical, dropped by bronze.
    assert.deepEqual(
      rows.map((r) => `${r.id}:${r.t}`),
      ["1:changed", "2:null", "3:", "4:shares the watermark", "5:later"],
    );
    const third = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    assert.equal(third.rowsLanded, 1, "only the row at the watermark is read again");
  });

  it("lands a full load in planned key-range chunks read in parallel, manifests in chunk order", async () => {
    const full = await pipelineSpec(
      uniqueName("p"),
      [tableSpec({ name: table, table: `app.${table}`, mode: "full", chunkSize: 2 })],
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    const metrics = await extract({ pipeline: full.name, step: "extract", table }, context(full));
    assert.deepEqual([metrics.batches, metrics.rowsLanded], [3, 5]);
    const all = await manifests(full, table);
    assert.deepEqual(
      all.map((m) => [m.chunk, m.rows]),
      [
        [{ index: 0, from: null, to: ["2"], last: false, total: 3 }, 2],
        [{ index: 1, from: ["2"], to: ["4"], last: false, total: 3 }, 2],
        [{ index: 2, from: ["4"], to: ["5"], last: true, total: 3 }, 1],
      ],
    );
  });

  it("fails with a DataError naming the column when a value does not fit its parquet type", async () => {
    await src().query(
      "CREATE TABLE app.nan (id int PRIMARY KEY, updated_at timestamptz NOT NULL, amount numeric(10,2))",
    );
    await src().query("INSERT INTO app.nan VALUES (1, now(), 1.5), (2, now(), 'NaN')");
    const bad = await pipelineSpec(uniqueName("p"), [tableSpec({ name: "nan", table: "app.nan" })], {
      source: "postgres",
      urlEnv: URL_ENV,
      landing: "local",
    });
    await assert.rejects(
      extract({ pipeline: bad.name, step: "extract", table: "nan" }, context(bad)),
      (e: unknown) =>
        e instanceof DataError &&
        /table nan, landing .*part-00000\.parquet: column "amount" value "NaN" cannot be stored as DECIMAL\(10,2\)/.test(
          e.message,
        ),
    );
    assert.deepEqual(await manifests(bad, "nan"), [], "no batch exists after the failure");
  });
});
