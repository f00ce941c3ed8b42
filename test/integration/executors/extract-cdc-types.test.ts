import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { CHANGE_COLUMNS } from "../../../src/landing/types.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  context,
  landedRows,
  MARIADB,
  MYSQL,
  manifests,
  mariadbSpec,
  mariadbTable,
  missingStack,
} from "./extract-helpers.ts";
import { warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * The same values landed through the binary log and through a snapshot read: rows copied inside MariaDB or MySQL
 * (so that they hold exactly the same values under new keys) are read from the log, and compared value for value
 * with the originals read in the snapshot, landed and in bronze.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");
const COPY = 10;

for (const server of [MARIADB, MYSQL]) {
  describe(
    `${server.label} types through change capture`,
    { skip: missingStack(server.urlEnv, "SMELTER_WAREHOUSE_URL") ?? false },
    () => {
      const { table, db } = mariadbTable(
        "cdctypes",
        async (db, table) => {
          await db.query("SET SESSION sql_mode = ''");
          await db.query(`CREATE TABLE ${table} (
      id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL,
      d_small DECIMAL(10,2), d_wide DECIMAL(38,10), d_huge DECIMAL(65,30),
      u64 BIGINT UNSIGNED, i64 BIGINT, tiny1 TINYINT(1), u8 TINYINT UNSIGNED, m24 MEDIUMINT UNSIGNED,
      f32 FLOAT, f64 DOUBLE, yr YEAR, tm TIME(3),
      dt6 DATETIME(6), ts TIMESTAMP(3) NULL, dd DATE,
      b1 BIT(1), b12 BIT(12), js JSON, en ENUM('red','green'), st SET('a','b','c'),
      txt VARCHAR(50) CHARACTER SET utf8mb4, quoted TEXT, bl BLOB, bin BINARY(4)
    )`);
          await db.query(`SET time_zone = '+00:00'`);
          await db.query(
            `INSERT INTO ${table} VALUES
       (1, '2026-01-01', 12345678.90, 1234567890123456789012345678.0123456789,
        12345678901234567890123456789012345.123456789012345678901234567890,
        18446744073709551615, -9223372036854775808, 7, 255, 16777215,
        1.1, 2.718281828459045, 2026, '-838:59:58.123',
        '2026-03-04 05:06:07.123456', '2026-03-04 05:06:07.123', '2026-03-04',
        b'1', b'101010101010', '{"a": [1, 2.5, "x"], "b": null}', 'green', 'a,c',
        'emoji 🦄 and ünïcode', 'say "hi",\nthen\ttab', X'00FF10', X'DEADBEEF'),
       (2, '2026-01-01', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, '0000-00-00', NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL)`,
          );
        },
        server,
      );
      let spec: PipelineSpec;
      const warehouse = warehousePool(() => [spec]);

      it("lands and merges the same values from the log as from a snapshot, deletes with their full row", async () => {
        spec = withWarehouse(await mariadbSpec(table, { over: { mode: "cdc", cursor: [] }, server }), table);
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await db().query("SET SESSION sql_mode = ''");
        await db().query(
          `INSERT INTO ${table} SELECT id + ${COPY}, updated_at, d_small, d_wide, d_huge, u64, i64, tiny1, u8, m24, f32,
         f64, yr, tm, dt6, ts, dd, b1, b12, js, en, st, txt, quoted, bl, bin FROM ${table}`,
        );
        await db().query(`DELETE FROM ${table} WHERE id = ${COPY + 2}`);
        const ctx = context(spec);
        await extract({ pipeline: spec.name, step: "extract", table }, ctx);
        assert.ok(
          ctx.lines.some((l) => l.startsWith("warn") && l.includes("dd: 2 zero date")),
          ctx.lines.join("\n"),
        );

        const landed = await manifests(spec, table);
        const snapshot = await landedRows(spec, landed[0] as (typeof landed)[0]);
        const drained = await landedRows(spec, landed.at(-1) as (typeof landed)[0]);
        const data = (row: Record<string, unknown> | undefined) => {
          const { id: _, ...rest } = row ?? {};
          for (const c of Object.values(CHANGE_COLUMNS)) delete rest[c];
          return rest;
        };
        const [one, two] = snapshot;
        assert.deepEqual(
          drained.map((r) => [r.id, r[CHANGE_COLUMNS.op]]),
          [
            [11, "insert"],
            [12, "insert"],
            [12, "delete"],
          ],
        );
        assert.deepEqual(data(drained[0]), data(one), "row 1 through the log");
        assert.deepEqual(
          data(drained[1]),
          data(two),
          "row 2 (NULLs, a zero date, an empty string) through the log",
        );
        assert.deepEqual(data(drained[2]), data(two), "a delete lands the row as it was");
        assert.equal(one?.quoted, 'say "hi",\nthen\ttab');

        await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
        const { rows } = await warehouse.query(
          `SELECT id, to_jsonb(b) - 'id' - '_smelter_batch_id' - '_smelter_loaded_at' - '${CHANGE_COLUMNS.op}'
              - '${CHANGE_COLUMNS.order}' - '${CHANGE_COLUMNS.committedAt}' AS v
         FROM "${spec.bronzeSchema}"."${table}" b ORDER BY id`,
        );
        assert.deepEqual(
          rows.map((r) => r.id),
          [1, 2, 11],
        );
        assert.deepEqual(rows[2].v, rows[0].v, "bronze holds the same values for the row read from the log");
      });
    },
  );
}

describe("a column added while changes are captured", { skip: skip ?? false }, () => {
  const { table, db } = mariadbTable("cdcddl", async (db, table) => {
    await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, payload VARCHAR(20))`);
    await db.query(`INSERT INTO ${table} SELECT seq, CONCAT('row ', seq) FROM seq_1_to_50`);
  });
  let spec: PipelineSpec;
  const warehouse = warehousePool(() => [spec]);

  it("lands the new column from the changes after the ALTER and bronze adds it (schema evolution add_columns)", async () => {
    spec = withWarehouse(await mariadbSpec(table, { over: { mode: "cdc", cursor: [] } }), table);
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
    await db().query(`UPDATE ${table} SET payload = 'before' WHERE id = 1`);
    await db().query(`ALTER TABLE ${table} ADD COLUMN note INT NULL`);
    await db().query(`UPDATE ${table} SET payload = 'after', note = 7 WHERE id = 2`);
    await db().query(`INSERT INTO ${table} VALUES (51, 'new', 8)`);
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    const ctx = context(spec);
    const metrics = await bronze({ pipeline: spec.name, step: "bronze", table }, ctx);
    assert.deepEqual(metrics.columnsAdded, ["note"]);
    const { rows } = await warehouse.query(
      `SELECT id, payload, note FROM "${spec.bronzeSchema}"."${table}" WHERE id IN (1, 2, 51) ORDER BY id`,
    );
    assert.deepEqual(rows, [
      { id: 1, payload: "before", note: null },
      { id: 2, payload: "after", note: 7 },
      { id: 51, payload: "new", note: 8 },
    ]);
  });
});
