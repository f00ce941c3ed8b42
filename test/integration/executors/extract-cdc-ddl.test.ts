import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type pg from "pg";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { silver } from "../../../src/executors/silver.ts";
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
  pipelineSpec,
  postgresSource,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";
import { flatModel, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * DDL at the source while changes are captured, on MariaDB and MySQL (binlog) and PostgreSQL (pgoutput), into the stack's
 * PostgreSQL warehouse. A drain lands a table's columns as the source describes them when the drain starts, so a
 * column widened by changes the drain reads lands in its wide type, the values from before the ALTER included;
 * bronze keeps its own type, so a value that no longer fits it stops the commit with a DataError naming the
 * column, and bronze takes the changes once the column is widened there too. A column dropped at the source
 * stays in bronze, NULL in the rows written afterwards.
 */

/** What differs between the sources: how a statement runs there and how a widening or a drop is written. */
interface Source {
  run(sql: string): Promise<void>;
  /** The rows of the table as text: id, n, s, d. */
  rows(): Promise<Row[]>;
  /** The table's name in the spec, and as the source names it. */
  name: string;
  table: string;
  widen: string;
  drop: string;
}

type Row = { id: string; n: string | null; s: string | null; d: string | null };

const LONG = "x".repeat(150);
const BIG = "3000000000";

async function bronzeRows(warehouse: pg.Pool, spec: PipelineSpec, table: string): Promise<Row[]> {
  const { rows } = await warehouse.query<Row>(
    `SELECT id::text AS id, n::text AS n, s, d::text AS d FROM "${spec.bronzeSchema}"."${table}" ORDER BY id`,
  );
  return rows;
}

async function silverRows(warehouse: pg.Pool, spec: PipelineSpec, table: string): Promise<Row[]> {
  const { rows } = await warehouse.query<Row>(
    `SELECT id::text AS id, n::text AS n, s, d::text AS d FROM "${spec.silverSchema}"."${flatModel(table)}" ORDER BY id`,
  );
  return rows;
}

async function rejectsNarrowing(spec: PipelineSpec, table: string, column: string, from: string, to: string) {
  await assert.rejects(
    bronze({ pipeline: spec.name, step: "bronze", table }, context(spec)),
    (error: Error & { type?: string; retryable?: boolean }) => {
      assert.equal(error.type, "DataError", error.message);
      assert.equal(error.retryable, false);
      assert.match(
        error.message,
        new RegExp(`bronze table ${spec.bronzeSchema}\\.${table}: column ${column} `),
      );
      assert.match(error.message, new RegExp(`is ${from.replace(/[()]/g, "\\$&")} in bronze`));
      assert.match(error.message, new RegExp(`land it as ${to.replace(/[()]/g, "\\$&")}`));
      assert.match(error.message, new RegExp(`ALTER COLUMN "${column}" TYPE ${to.replace(/[()]/g, "\\$&")}`));
      assert.match(error.message, /run bronze again; nothing was applied/);
      return true;
    },
  );
}

/**
 * One drain before the ALTER, one holding changes from both sides of it, one after: each lands the source's
 * values; bronze refuses the values its narrower columns cannot hold, one column at a time, and takes them once
 * they are widened by hand.
 */
async function widening(src: Source, spec: PipelineSpec, warehouse: pg.Pool): Promise<void> {
  const table = src.name;
  const wh = `"${spec.bronzeSchema}"."${table}"`;
  const step = async (kind: "extract" | "bronze" | "silver") =>
    kind === "extract"
      ? extract({ pipeline: spec.name, step: "extract", table }, context(spec))
      : kind === "bronze"
        ? bronze({ pipeline: spec.name, step: "bronze", table }, context(spec))
        : silver({ pipeline: spec.name, step: "silver", table: flatModel(table) }, context(spec));
  const same = async (what: string) => {
    const source = await src.rows();
    assert.deepEqual(await bronzeRows(warehouse, spec, table), source, `bronze, ${what}`);
    assert.deepEqual(await silverRows(warehouse, spec, table), source, `silver, ${what}`);
  };
  await step("extract");
  await step("bronze");
  await src.run(`UPDATE ${src.table} SET n = 5 WHERE id = 1`);
  await step("extract");
  await step("bronze");
  await step("silver");
  await same("before the ALTER");

  // One drain: a change before the ALTER, the ALTER, changes that need the wider types.
  await src.run(`UPDATE ${src.table} SET n = 6, d = 2.50 WHERE id = 1`);
  await src.run(src.widen);
  await src.run(`UPDATE ${src.table} SET n = ${BIG}, s = '${LONG}', d = 12345678.1234 WHERE id = 2`);
  await src.run(`INSERT INTO ${src.table} VALUES (4, -${BIG}, '${LONG}y', 1.2345)`);
  await step("extract");
  const [last] = (await manifests(spec, table)).slice(-1);
  const landed = (await landedRows(spec, last as NonNullable<typeof last>)).map((r) => [
    String(r.id),
    String(r.n),
    r.s,
    String(r.d),
  ]);
  assert.deepEqual(
    landed,
    [
      ["1", "6", "row 1", "2.5000"],
      ["2", BIG, LONG, "12345678.1234"],
      ["4", `-${BIG}`, `${LONG}y`, "1.2345"],
    ],
    "the drain lands the values from both sides of the ALTER in the wider types",
  );
  const before = await bronzeRows(warehouse, spec, table);
  await rejectsNarrowing(spec, table, "n", "integer", "bigint");
  assert.deepEqual(await bronzeRows(warehouse, spec, table), before, "nothing applied");
  await warehouse.query(`ALTER TABLE ${wh} ALTER COLUMN n TYPE bigint`);
  await warehouse.query(`ALTER TABLE "${spec.bronzeSchema}"."${table}__changes" ALTER COLUMN n TYPE bigint`);
  // numeric(10,2) would round 1.2345 to 1.23 without a word.
  await rejectsNarrowing(spec, table, "d", "numeric(10,2)", "numeric(20,4)");
  assert.deepEqual(await bronzeRows(warehouse, spec, table), before, "nothing applied");
  await warehouse.query(`ALTER TABLE ${wh} ALTER COLUMN d TYPE numeric(20,4)`);
  await warehouse.query(
    `ALTER TABLE "${spec.bronzeSchema}"."${table}__changes" ALTER COLUMN d TYPE numeric(20,4)`,
  );
  await step("bronze");
  // Silver keeps the types it was built with, and refuses the same way until widened by hand.
  const flat = `"${spec.silverSchema}"."${flatModel(table)}"`;
  const silverBefore = await silverRows(warehouse, spec, table);
  await assert.rejects(step("silver"), (error: Error & { type?: string; retryable?: boolean }) => {
    assert.equal(error.type, "DataError", error.message);
    assert.equal(error.retryable, false);
    assert.match(error.message, /: column n is integer in silver, but the model gives it as bigint/);
    assert.match(
      error.message,
      new RegExp(`ALTER TABLE ${flat.replace(/"/g, '"')} ALTER COLUMN "n" TYPE bigint`),
    );
    return true;
  });
  await warehouse.query(`ALTER TABLE ${flat} ALTER COLUMN n TYPE bigint`);
  await assert.rejects(
    step("silver"),
    /: column d is numeric\(10,2\) in silver, but the model gives it as numeric\(20,4\) .* value [\d.]+ would change/,
  );
  assert.deepEqual(await silverRows(warehouse, spec, table), silverBefore, "nothing applied to silver");
  await warehouse.query(`ALTER TABLE ${flat} ALTER COLUMN d TYPE numeric(20,4)`);
  await step("silver");
  await same("after the widening drain");

  // The next drain lands the wide types from its start.
  await src.run(`UPDATE ${src.table} SET n = 9000000000000, d = 9999999999999999.9999 WHERE id = 3`);
  await src.run(`DELETE FROM ${src.table} WHERE id = 1`);
  await step("extract");
  await step("bronze");
  await step("silver");
  await same("a drain after the ALTER");
}

/** Changes before and after a DROP COLUMN in one drain: bronze keeps the column, NULL in the rows written. */
async function dropping(src: Source, spec: PipelineSpec, warehouse: pg.Pool): Promise<void> {
  const table = src.name;
  await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
  await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
  await src.run(`UPDATE ${src.table} SET s = 'before the drop', n = 10 WHERE id = 1`);
  await src.run(src.drop);
  await src.run(`UPDATE ${src.table} SET n = 20 WHERE id = 2`);
  await src.run(`INSERT INTO ${src.table} (id, n, d) VALUES (4, 40, 4.00)`);
  await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
  const [last] = (await manifests(spec, table)).slice(-1);
  assert.deepEqual(last?.schema.removed, ["s"], "the batch names the column it lacks");
  await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
  await silver({ pipeline: spec.name, step: "silver", table: flatModel(table) }, context(spec));
  const { rows } = await warehouse.query(
    `SELECT id::int AS id, n::int AS n, s, d::text AS d FROM "${spec.bronzeSchema}"."${table}" ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { id: 1, n: 10, s: null, d: "1.50" },
    { id: 2, n: 20, s: null, d: "2.50" },
    { id: 3, n: 3, s: "row 3", d: "3.50" },
    { id: 4, n: 40, s: null, d: "4.00" },
  ]);
  assert.deepEqual(
    await silverRows(warehouse, spec, table),
    rows.map((r) => ({ id: String(r.id), n: String(r.n), s: r.s, d: r.d })),
    "silver as bronze",
  );
}

/** `base` with the warehouse and a silver model (SCD1) of every column. */
const withModel = (base: PipelineSpec, table: string): PipelineSpec => {
  const spec = withWarehouse(base, table);
  const [model] = spec.silver;
  const columns = ["id", "n", "s", "d"].map((name) => ({ name, from: name }));
  return { ...spec, silver: [{ ...(model as NonNullable<typeof model>), columns }] };
};

for (const server of [MARIADB, MYSQL]) {
  describe(
    `${server.label} DDL while changes are captured`,
    {
      skip: missingStack(server.urlEnv, "SMELTER_WAREHOUSE_URL") ?? false,
    },
    () => {
      const create = async (db: { query(sql: string): Promise<unknown> }, table: string) => {
        await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, n INT, s VARCHAR(20), d DECIMAL(10,2))`);
        await db.query(
          `INSERT INTO ${table} VALUES (1, 1, 'row 1', 1.50), (2, 2, 'row 2', 2.50), (3, 3, 'row 3', 3.50)`,
        );
      };
      const wide = mariadbTable("cdcwiden", create, server);
      const dropped = mariadbTable("cdcdrop", create, server);
      let specs: PipelineSpec[] = [];
      const warehouse = warehousePool(() => specs);
      const source = (t: { table: string; db: () => { query(sql: string): Promise<unknown> } }): Source => ({
        name: t.table,
        table: t.table,
        run: async (sql) => void (await t.db().query(sql)),
        rows: async () =>
          (
            (await t
              .db()
              .query(
                `SELECT CAST(id AS CHAR) AS id, CAST(n AS CHAR) AS n, s, CAST(d AS CHAR) AS d FROM ${t.table} ORDER BY id`,
              )) as [Row[]]
          )[0].map((r) => ({ ...r })),
        widen: `ALTER TABLE ${t.table} MODIFY n BIGINT, MODIFY s VARCHAR(200), MODIFY d DECIMAL(20,4)`,
        drop: `ALTER TABLE ${t.table} DROP COLUMN s`,
      });

      it("lands a column widened during a drain in its wide type; bronze and silver refuse what their types cannot hold until widened", async () => {
        const spec = withModel(
          await mariadbSpec(wide.table, { over: { mode: "cdc", cursor: [] }, server }),
          wide.table,
        );
        specs.push(spec);
        await widening(source(wide), spec, warehouse);
      });

      it("keeps a column dropped during a drain in bronze, NULL in the rows written after", async () => {
        const spec = withModel(
          await mariadbSpec(dropped.table, { over: { mode: "cdc", cursor: [] }, server }),
          dropped.table,
        );
        specs = [...specs, spec];
        await dropping(source(dropped), spec, warehouse);
      });
    },
  );
}

describe(
  "PostgreSQL DDL while changes are captured",
  {
    skip: missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL") ?? false,
  },
  () => {
    const URL_ENV = "TEST_PG_CDC_DDL_URL";
    const { src } = postgresSource("cdcddl", URL_ENV);
    let specs: PipelineSpec[] = [];
    const warehouse = warehousePool(() => specs);
    const setup = async (table: string): Promise<{ spec: PipelineSpec; source: Source }> => {
      await src().query("CREATE SCHEMA IF NOT EXISTS app");
      await src().query(
        `CREATE TABLE app.${table} (id int PRIMARY KEY, n int, s varchar(20), d numeric(10,2))`,
      );
      await src().query(`ALTER TABLE app.${table} REPLICA IDENTITY FULL`);
      await src().query(
        `INSERT INTO app.${table} VALUES (1, 1, 'row 1', 1.50), (2, 2, 'row 2', 2.50), (3, 3, 'row 3', 3.50)`,
      );
      const base = await pipelineSpec(
        uniqueName("p"),
        [tableSpec({ name: table, table: `app.${table}`, mode: "cdc", cursor: [] })],
        { source: "postgres", urlEnv: URL_ENV, landing: "local" },
      );
      const spec = withModel(base, table);
      specs = [...specs, spec];
      return {
        spec,
        source: {
          name: table,
          table: `app.${table}`,
          run: async (sql) => void (await src().query(sql)),
          rows: async () =>
            (
              await src().query<Row>(
                `SELECT id::text AS id, n::text AS n, s, d::text AS d FROM app.${table} ORDER BY id`,
              )
            ).rows,
          widen: `ALTER TABLE app.${table} ALTER COLUMN n TYPE bigint, ALTER COLUMN s TYPE varchar(200), ALTER COLUMN d TYPE numeric(20,4)`,
          drop: `ALTER TABLE app.${table} DROP COLUMN s`,
        },
      };
    };

    it("lands a column widened during a drain in its wide type; bronze and silver refuse what their types cannot hold until widened", async () => {
      const { spec, source } = await setup("widened");
      await widening(source, spec, warehouse);
    });

    it("keeps a column dropped during a drain in bronze, NULL in the rows written after", async () => {
      const { spec, source } = await setup("dropped");
      await dropping(source, spec, warehouse);
    });
  },
);
