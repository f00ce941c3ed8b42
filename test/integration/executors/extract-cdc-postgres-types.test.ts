import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  context,
  landedRows,
  manifests,
  missingStack,
  pipelineSpec,
  postgresSource,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";
import { warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * The PostgreSQL rows of docs/types.md through change capture: rows read by the snapshot, then the same values
 * made again at the source (inserted as copies, and set by an update on rows inserted empty) and read from the
 * log. Each copy must land the same values as its original, in the same parquet types, and hold the same values in
 * bronze; a deleted copy leaves bronze.
 */

const skip = missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL");
const URL_ENV = "TEST_PG_CDC_TYPES_URL";
const TABLE = "typed";
/** Copies of row `id` read from the log: inserted whole, and inserted empty then updated. */
const INSERTED = 1000;
const UPDATED = 2000;

const COLUMNS = `i2 int2, i4 int4, i8 int8, n numeric(38,10), n_wide numeric(60,20), n_free numeric,
  r real, dp double precision, b boolean, t text, vc varchar(20), ch char(5), d date, ts timestamp(6),
  tz timestamptz, tm time, js json, jb jsonb, u uuid, by bytea, iv interval, ip inet, mood app.mood,
  ints int4[], tags text[]`;
const NAMES = COLUMNS.split(/,\s*(?![^(]*\))/).map((c) => c.trim().split(/\s+/)[0] as string);

describe("PostgreSQL types through change capture", { skip: skip ?? false }, () => {
  const { src } = postgresSource("cdctypes", URL_ENV);
  let spec: PipelineSpec;
  const warehouse = warehousePool(() => [spec]);

  before(async () => {
    await src().query("CREATE SCHEMA app");
    await src().query("CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')");
    await src().query(`CREATE TABLE app.${TABLE} (id int8 PRIMARY KEY, ${COLUMNS})`);
    await src().query(`ALTER TABLE app.${TABLE} REPLICA IDENTITY FULL`);
    await src().query(`INSERT INTO app.${TABLE} VALUES
      (1, -32768, -2147483648, -9223372036854775808, 1234567890123456789012345678.0123456789,
       1234567890123456789012345678901234567890.12345678901234567890, 3.14159265358979323846264338327950288419716939937510,
       3.4028235e38, 1.7976931348623157e308, true, 'emoji 🦄, quotes "x", a tab	and a
line break, a backslash \\ and a comma,', 'varchar', 'ch', '2026-03-04', '2026-03-04 05:06:07.123456',
       '2026-03-04 05:06:07.123456+05:30', '23:59:59.999999', '{"a": [1, 2.5, "x"], "b": null}',
       '{"q": "say \\"hi\\"", "n": 1e2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '1 year 2 mons 3 days 04:05:06.7',
       '192.168.0.1/24', 'happy', '{1,NULL,-3}', '{"a,b","c\\"d",NULL,""}'),
      (2, 32767, 2147483647, 9223372036854775807, -0.0000000001, -0.00000000000000000001, -1e-30,
       -1.17549435e-38, -2.2250738585072014e-308, false, '', '', '', '0001-01-01', '1970-01-01 00:00:00',
       '1970-01-01 00:00:00+00', '00:00:00', '[]', '{}', '00000000-0000-0000-0000-000000000000', '\\x', '-1 days',
       '::1', 'sad', '{}', '{}'),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (4, 0, 0, 0, 0, 0, 0, 'NaN', '-Infinity', true, 'NULL', 'null', ' ', '2000-02-29', '2000-02-29 12:00:00',
       '2000-02-29 23:30:00-08', '12:00:00', '"text"', 'null', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\\x5c0d0a',
       '00:00:00.000001', '2001:db8::/32', 'ok', '{0}', '{"NULL"}')`);
    const base = await pipelineSpec(
      uniqueName("pt"),
      [tableSpec({ name: TABLE, table: `app.${TABLE}`, mode: "cdc", cursor: [], chunkSize: 1000 })],
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    spec = { ...withWarehouse(base, TABLE), silver: [] };
  });

  it("lands every type from the log as the snapshot landed it, and bronze holds the same values", async () => {
    await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
    await bronze({ pipeline: spec.name, step: "bronze", table: TABLE }, context(spec));
    const [snapshot] = await manifests(spec, TABLE);
    assert.ok(snapshot);

    const list = NAMES.join(", ");
    await src().query(
      `INSERT INTO app.${TABLE} SELECT id + ${INSERTED}, ${list} FROM app.${TABLE} WHERE id < 100`,
    );
    await src().query(
      `INSERT INTO app.${TABLE} (id) SELECT id + ${UPDATED} FROM app.${TABLE} WHERE id < 100`,
    );
    await src().query(
      `UPDATE app.${TABLE} c SET (${list}) = (SELECT ${list} FROM app.${TABLE} o WHERE o.id = c.id - ${UPDATED})
        WHERE c.id > ${UPDATED}`,
    );
    // A delete lands its whole row (the before-image), and bronze removes it.
    await src().query(`INSERT INTO app.${TABLE} SELECT 9001, ${list} FROM app.${TABLE} WHERE id = 1`);
    await src().query(`DELETE FROM app.${TABLE} WHERE id = 9001`);
    const drained = await extract({ pipeline: spec.name, step: "extract", table: TABLE }, context(spec));
    assert.equal(drained.rowsLanded, 4 + 4 + 4 + 2, "each insert, update and delete landed once");
    await bronze({ pipeline: spec.name, step: "bronze", table: TABLE }, context(spec));
    const log = (await manifests(spec, TABLE)).at(-1);
    assert.ok(log?.changes);

    const typesOf = (m: typeof snapshot) =>
      Object.fromEntries(
        m.schema.columns.filter((c) => NAMES.includes(c.name)).map((c) => [c.name, c.parquetType]),
      );
    assert.equal(Object.keys(typesOf(snapshot)).length, NAMES.length, "every column landed");
    assert.deepEqual(typesOf(log), typesOf(snapshot), "the same parquet types");

    const original = new Map((await landedRows(spec, snapshot)).map((r) => [Number(r.id), r]));
    const changed = await landedRows(spec, log);
    assert.ok(
      NAMES.every((n) => original.get(1)?.[n] !== undefined && original.get(1)?.[n] !== null),
      "row 1 has a value in every column",
    );
    const data = (r: Record<string, unknown>) => Object.fromEntries(NAMES.map((n) => [n, r[n]]));
    for (const r of changed) {
      const id = Number(r.id);
      if (id === 9001) {
        if (r._smelter_op === "delete")
          assert.deepEqual(data(r), data(original.get(1) ?? {}), "the delete's row");
        continue;
      }
      // The empty rows inserted before their update carry no values.
      if (id > UPDATED && r._smelter_op === "insert") continue;
      const from = original.get(id > UPDATED ? id - UPDATED : id - INSERTED);
      assert.ok(from, `row ${id}`);
      assert.deepEqual(data(r), data(from), `row ${id} (${String(r._smelter_op)}) landed as its original`);
    }

    const bronzeOf = (offset: number) =>
      warehouse.query(
        `SELECT o.id, to_jsonb(c) - '_smelter_batch_id' - '_smelter_loaded_at' - '_smelter_op' - '_smelter_position'
                  - '_smelter_committed_at' - 'id' AS copy,
                to_jsonb(o) - '_smelter_batch_id' - '_smelter_loaded_at' - '_smelter_op' - '_smelter_position'
                  - '_smelter_committed_at' - 'id' AS original
           FROM "${spec.bronzeSchema}"."${TABLE}" o JOIN "${spec.bronzeSchema}"."${TABLE}" c ON c.id = o.id + ${offset}
          WHERE o.id < 100 ORDER BY o.id`,
      );
    for (const offset of [INSERTED, UPDATED]) {
      const { rows } = await bronzeOf(offset);
      assert.equal(rows.length, 4, `the copies at +${offset} are in bronze`);
      for (const r of rows) assert.deepEqual(r.copy, r.original, `bronze row ${r.id} + ${offset}`);
    }
    const { rows: gone } = await warehouse.query(
      `SELECT count(*)::int AS n FROM "${spec.bronzeSchema}"."${TABLE}" WHERE id = 9001`,
    );
    assert.equal(gone[0]?.n, 0, "the deleted row left bronze");
  });
});
