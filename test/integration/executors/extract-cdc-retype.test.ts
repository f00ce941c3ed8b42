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
 * Type changes at the source other than widening (extract-cdc-ddl.test.ts), while changes are captured from
 * MariaDB (binlog) and PostgreSQL (pgoutput) into the stack's PostgreSQL warehouse. A column narrowed at the
 * source (BIGINT to INT, VARCHAR(200) to VARCHAR(50), DECIMAL(20,4) to DECIMAL(10,2)) lands in its narrow type
 * and bronze keeps its wider one, every value exact; a change written before the ALTER that the narrow type cannot
 * hold stops the extract (a DataError naming the column, the value and the re-sync) instead of being rounded, until
 * a re-sync. A column whose type changes kind (INT to VARCHAR, DATETIME to
 * VARCHAR) is refused by bronze whatever its values, numeric text included: a DataError naming the column, both
 * types, the batch, a value and the ALTER TABLE that changes bronze's type; nothing is applied, and bronze takes
 * the same batches once its column has the new type.
 */

/** What differs between the sources: how a statement runs there, and the ALTERs. */
interface Source {
  run(sql: string): Promise<void>;
  /** The rows of the table, every value as text (`cols` in order, after `id`). */
  rows(cols: readonly string[]): Promise<Row[]>;
  /** The table's name in the spec, and as the source names it. */
  name: string;
  table: string;
  /** Narrows n, s and d; changes c and t to strings. */
  narrow: string;
  retype: string;
  /** The statement that gives columns these types. */
  alter(types: Record<string, string>): string;
}

type Row = Record<string, string | null>;

const NARROW = ["n", "s", "d"] as const;
const RETYPE = ["c", "t"] as const;
const PAST = ["n", "s", "d", "w"] as const;

/** A decimal's text without the zeros its scale adds, so that 2.5000 and 2.50 compare equal. */
const plain = (v: string | null) => (v?.includes(".") ? v.replace(/\.?0+$/, "") : v);

async function tableRows(
  warehouse: pg.Pool,
  schema: string,
  table: string,
  cols: readonly string[],
): Promise<Row[]> {
  const list = cols.map((c) => `${c}::text AS ${c}`).join(", ");
  const { rows } = await warehouse.query<Row>(
    `SELECT id::text AS id, ${list} FROM "${schema}"."${table}" ORDER BY id`,
  );
  return rows;
}

/** Column name → formatted type of a warehouse table. */
async function types(warehouse: pg.Pool, schema: string, table: string): Promise<Record<string, string>> {
  const { rows } = await warehouse.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

const normalized = (rows: Row[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        k === "d" ? plain(v) : k === "w" ? (v?.replace(/ 00:00:00$/, "") ?? v) : v,
      ]),
    ),
  );

function steps(spec: PipelineSpec, table: string) {
  return {
    extract: () => extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
    bronze: () => bronze({ pipeline: spec.name, step: "bronze", table }, context(spec)),
    silver: () => silver({ pipeline: spec.name, step: "silver", table: flatModel(table) }, context(spec)),
  };
}

async function same(
  src: Source,
  spec: PipelineSpec,
  warehouse: pg.Pool,
  cols: readonly string[],
  what: string,
): Promise<void> {
  const source = normalized(await src.rows(cols));
  const table = src.name;
  assert.deepEqual(
    normalized(await tableRows(warehouse, spec.bronzeSchema, table, cols)),
    source,
    `bronze, ${what}`,
  );
  assert.deepEqual(
    normalized(await tableRows(warehouse, spec.silverSchema, flatModel(table), cols)),
    source,
    `silver, ${what}`,
  );
}

/** The newest commit version of bronze's change feed (0 when empty). */
async function feedVersion(warehouse: pg.Pool, spec: PipelineSpec, table: string): Promise<number> {
  const { rows } = await warehouse.query<{ v: string | null }>(
    `SELECT max(_commit_version)::text AS v FROM "${spec.bronzeSchema}"."${table}__changes"`,
  );
  return Number(rows[0]?.v ?? 0);
}

/**
 * A drain holding changes from both sides of a narrowing ALTER, then one after it: the values land exact in the
 * narrow types, bronze and silver keep their wide types and equal the source.
 */
async function narrowing(src: Source, spec: PipelineSpec, warehouse: pg.Pool): Promise<void> {
  const table = src.name;
  const run = steps(spec, table);
  await run.extract();
  await run.bronze();
  await run.silver();
  const wide = await types(warehouse, spec.bronzeSchema, table);

  await src.run(`UPDATE ${src.table} SET n = 6, s = 'before', d = 2.25 WHERE id = 1`);
  await src.run(src.narrow);
  await src.run(
    `UPDATE ${src.table} SET n = 2147483647, s = '${"y".repeat(50)}', d = 12345678.12 WHERE id = 2`,
  );
  await src.run(`INSERT INTO ${src.table} (id, n, s, d) VALUES (4, -2147483648, 'after', -0.01)`);
  await run.extract();
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
      ["1", "6", "before", "2.25"],
      ["2", "2147483647", "y".repeat(50), "12345678.12"],
      ["4", "-2147483648", "after", "-0.01"],
    ],
    "the drain lands the values from both sides of the ALTER in the narrow types, exact",
  );
  await run.bronze();
  await run.silver();
  await same(src, spec, warehouse, NARROW, "after the narrowing drain");
  assert.deepEqual(await types(warehouse, spec.bronzeSchema, table), wide, "bronze keeps its wide types");

  await src.run(`UPDATE ${src.table} SET n = -7, d = 99999999.99 WHERE id = 3`);
  await src.run(`DELETE FROM ${src.table} WHERE id = 1`);
  await run.extract();
  await run.bronze();
  await run.silver();
  await same(src, spec, warehouse, NARROW, "a drain after the ALTER");
  assert.deepEqual(await types(warehouse, spec.bronzeSchema, table), wide, "bronze keeps its wide types");
}

/**
 * Changes written before a column was narrowed, whose values the narrow type cannot hold (more decimals than its
 * scale, an integer out of its range, a time of day in a DATE), in the drain that reads the ALTER: the extract
 * refuses them with a DataError naming the column and the value instead of rounding or cutting them or failing
 * without a word, lands nothing and keeps its position (a second run fails the same way); a re-sync brings bronze
 * and silver back equal to the source. Decimals first, then integers, then a DATETIME made a DATE.
 */
async function narrowedPast(src: Source, spec: PipelineSpec, warehouse: pg.Pool): Promise<void> {
  const table = src.name;
  const run = steps(spec, table);
  await run.extract();
  await run.bronze();
  await run.silver();
  const rounds = [
    {
      column: "d",
      type: "DECIMAL(10,2)",
      landed: "DECIMAL(10,2)",
      past: "d = 1.2345",
      now: "d = 1.23",
      value: "1.2345",
    },
    {
      column: "n",
      type: "INT",
      landed: "INTEGER",
      past: "n = 3000000000",
      now: "n = 7",
      value: "3000000000",
    },
    {
      column: "w",
      type: "DATE",
      landed: "DATE",
      past: "w = '2026-05-05 10:11:12'",
      now: "w = '2026-05-05 00:00:00'",
      value: "2026-05-05 10:11:12",
    },
  ];
  for (const r of rounds) {
    await src.run(`UPDATE ${src.table} SET ${r.past} WHERE id = 1`);
    await src.run(`UPDATE ${src.table} SET ${r.now} WHERE id = 1`);
    await src.run(src.alter({ [r.column]: r.type }));
    await src.run(`UPDATE ${src.table} SET s = 'after ${r.column}' WHERE id = 2`);
    const landed = (await manifests(spec, table)).length;
    for (const attempt of ["first", "second"]) {
      await assert.rejects(run.extract(), (error: Error & { type?: string; retryable?: boolean }) => {
        assert.equal(error.type, "DataError", error.message);
        assert.equal(error.retryable, false);
        assert.match(
          error.message,
          new RegExp(
            `column "${r.column}" value "${r.value}", read from the log, cannot be stored as ${r.landed.replace(/[()]/g, "\\$&")} without change`,
          ),
          `${attempt} run`,
        );
        assert.match(error.message, /before the column was narrowed at the source/);
        assert.match(
          error.message,
          new RegExp(`re-sync the table \\(smelter resync <spec> --table ${table}\\)`),
        );
        return true;
      });
      assert.equal((await manifests(spec, table)).length, landed, `no manifest after the ${attempt} run`);
    }
    await extract({ pipeline: spec.name, step: "extract", table, mode: { kind: "resync" } }, context(spec));
    await run.bronze();
    await run.silver();
    await same(src, spec, warehouse, PAST, `after the re-sync that follows narrowing ${r.column}`);
  }
  await src.run(`UPDATE ${src.table} SET n = 9, d = 9.99 WHERE id = 3`);
  await run.extract();
  await run.bronze();
  await run.silver();
  await same(src, spec, warehouse, PAST, "a drain after the re-syncs");
}

/**
 * A drain holding changes from both sides of an ALTER that makes c (INT) and t (DATETIME) strings, numeric and
 * date text first: bronze refuses the batch whatever its values, names the ALTER that changes its type and
 * applies nothing; a second batch with text that is no number is refused with it. With bronze's columns changed
 * both batches go in, silver refuses until changed the same way, and later text that is no number or date
 * converges too.
 */
async function retyping(src: Source, spec: PipelineSpec, warehouse: pg.Pool): Promise<void> {
  const table = src.name;
  const run = steps(spec, table);
  const bronzeTable = `"${spec.bronzeSchema}"."${table}"`;
  const feed = `"${spec.bronzeSchema}"."${table}__changes"`;
  const flat = `"${spec.silverSchema}"."${flatModel(table)}"`;
  await run.extract();
  await run.bronze();
  await run.silver();

  await src.run(`UPDATE ${src.table} SET c = 6 WHERE id = 1`);
  await src.run(src.retype);
  await src.run(`UPDATE ${src.table} SET c = '42', t = '2026-03-04 05:06:07' WHERE id = 2`);
  await run.extract();
  const [last] = (await manifests(spec, table)).slice(-1);
  const landedAs = Object.fromEntries((last?.schema.columns ?? []).map((c) => [c.name, c.logical.type]));
  assert.equal(landedAs.c, "string", "c lands as a string from the drain that reads the ALTER on");
  assert.equal(landedAs.t, "string", "t lands as a string from the drain that reads the ALTER on");

  const before = await tableRows(warehouse, spec.bronzeSchema, table, RETYPE);
  const version = await feedVersion(warehouse, spec, table);
  await assert.rejects(run.bronze(), (error: Error & { type?: string; retryable?: boolean }) => {
    assert.equal(error.type, "DataError", error.message);
    assert.equal(error.retryable, false);
    assert.match(
      error.message,
      new RegExp(
        `^bronze table ${spec.bronzeSchema}\\.${table}: column c is integer in bronze, but batch\\(es\\) \\S+ \\(\\S+\\) land it as text`,
      ),
    );
    assert.match(error.message, /a change of kind \(numeric to string\)/);
    assert.match(error.message, /across which no value is cast, whatever it is \(value 42 among them\)/);
    assert.match(error.message, /ALTER COLUMN "c" TYPE text USING "c"::text/);
    assert.match(error.message, /nothing was applied and retrying as it is will not help/);
    return true;
  });
  assert.deepEqual(await tableRows(warehouse, spec.bronzeSchema, table, RETYPE), before, "nothing applied");
  assert.equal(await feedVersion(warehouse, spec, table), version, "no change-feed version");

  // Text that is no number, in a second batch: the same refusal, for both batches; still nothing applied.
  await src.run(`UPDATE ${src.table} SET c = 'n/a' WHERE id = 3`);
  await run.extract();
  await assert.rejects(run.bronze(), (error: Error & { type?: string; retryable?: boolean }) => {
    assert.equal(error.type, "DataError", error.message);
    assert.equal(error.retryable, false);
    assert.match(
      error.message,
      /: column c is integer in bronze, but batch\(es\) \S+ \(\S+\), \S+ \(\S+\) land it as text/,
    );
    assert.match(error.message, /a change of kind \(numeric to string\)/);
    return true;
  });
  assert.deepEqual(await tableRows(warehouse, spec.bronzeSchema, table, RETYPE), before, "nothing applied");
  assert.equal(await feedVersion(warehouse, spec, table), version, "no change-feed version");

  for (const t of [bronzeTable, feed])
    await warehouse.query(`ALTER TABLE ${t} ALTER COLUMN c TYPE text USING c::text`);
  await assert.rejects(
    run.bronze(),
    /column t is timestamp without time zone in bronze, but .* land it as text .*a change of kind \(date and time to string\).*ALTER COLUMN "t" TYPE text USING "t"::text/,
  );
  assert.deepEqual(await tableRows(warehouse, spec.bronzeSchema, table, RETYPE), before, "nothing applied");
  for (const t of [bronzeTable, feed])
    await warehouse.query(`ALTER TABLE ${t} ALTER COLUMN t TYPE text USING t::text`);
  await run.bronze();

  // Silver built before keeps its types: it refuses the same way until changed by hand.
  await assert.rejects(
    run.silver(),
    /: column c is integer in silver, but the model gives it as text .*ALTER COLUMN "c" TYPE text USING "c"::text/,
  );
  for (const c of RETYPE)
    await warehouse.query(`ALTER TABLE ${flat} ALTER COLUMN ${c} TYPE text USING ${c}::text`);
  await run.silver();
  await same(src, spec, warehouse, RETYPE, "after the drain that changed the types");

  await src.run(`UPDATE ${src.table} SET c = 'forty-two', t = 'not a date' WHERE id = 3`);
  await src.run(`INSERT INTO ${src.table} (id, c, t) VALUES (4, '007', '2026-03-04T05:06:07')`);
  await run.extract();
  await run.bronze();
  await run.silver();
  await same(src, spec, warehouse, RETYPE, "a drain of text that is no number or date");
}

/** `base` with the warehouse and a silver model (SCD1) of `cols`. */
const withModel = (base: PipelineSpec, table: string, cols: readonly string[]): PipelineSpec => {
  const spec = withWarehouse(base, table);
  const [model] = spec.silver;
  const columns = ["id", ...cols].map((name) => ({ name, from: name }));
  return { ...spec, silver: [{ ...(model as NonNullable<typeof model>), columns }] };
};

describe(
  "MariaDB type changes other than widening while changes are captured",
  { skip: missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL") ?? false },
  () => {
    const narrowed = mariadbTable("cdcnarrow", async (db, table) => {
      await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, n BIGINT, s VARCHAR(200), d DECIMAL(20,4))`);
      await db.query(
        `INSERT INTO ${table} VALUES (1, 1, 'row 1', 1.5), (2, 2, 'row 2', 2.5), (3, 3, 'row 3', 3.5)`,
      );
    });
    const narrowedPastTable = mariadbTable("cdcnarpast", async (db, table) => {
      await db.query(
        `CREATE TABLE ${table} (id INT PRIMARY KEY, n BIGINT, s VARCHAR(200), d DECIMAL(20,4), w DATETIME)`,
      );
      await db.query(
        `INSERT INTO ${table} VALUES (1, 1, 'row 1', 1.5, '2026-01-01'), (2, 2, 'row 2', 2.5, '2026-01-02'), (3, 3, 'row 3', 3.5, NULL)`,
      );
    });
    const retyped = mariadbTable("cdcretype", async (db, table) => {
      await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, c INT, t DATETIME)`);
      await db.query(
        `INSERT INTO ${table} VALUES (1, 1, '2026-01-01 10:00:00'), (2, 2, '2026-01-02 10:00:00'), (3, 3, NULL)`,
      );
    });
    let specs: PipelineSpec[] = [];
    const warehouse = warehousePool(() => specs);
    const source = (t: { table: string; db: () => { query(sql: string): Promise<unknown> } }): Source => ({
      name: t.table,
      table: t.table,
      run: async (sql) => void (await t.db().query(sql)),
      rows: async (cols) =>
        (
          (await t
            .db()
            .query(
              `SELECT CAST(id AS CHAR) AS id, ${cols.map((c) => `CAST(${c} AS CHAR) AS ${c}`).join(", ")} FROM ${t.table} ORDER BY id`,
            )) as [Row[]]
        )[0].map((r) => ({ ...r })),
      narrow: `ALTER TABLE ${t.table} MODIFY n INT, MODIFY s VARCHAR(50), MODIFY d DECIMAL(10,2)`,
      alter: (types) =>
        `ALTER TABLE ${t.table} ${Object.entries(types)
          .map(([c, type]) => `MODIFY ${c} ${type}`)
          .join(", ")}`,
      retype: `ALTER TABLE ${t.table} MODIFY c VARCHAR(20), MODIFY t VARCHAR(30)`,
    });

    it("lands a column narrowed during a drain exactly; bronze keeps its wider type", async () => {
      const spec = withModel(
        await mariadbSpec(narrowed.table, { over: { mode: "cdc", cursor: [] } }),
        narrowed.table,
        NARROW,
      );
      specs = [...specs, spec];
      await narrowing(source(narrowed), spec, warehouse);
    });

    it("refuses changes written before their column was narrowed that the narrow type cannot hold, until a re-sync", async () => {
      const spec = withModel(
        await mariadbSpec(narrowedPastTable.table, { over: { mode: "cdc", cursor: [] } }),
        narrowedPastTable.table,
        PAST,
      );
      specs = [...specs, spec];
      await narrowedPast(source(narrowedPastTable), spec, warehouse);
    });

    it("refuses a column changed to another kind (INT and DATETIME to VARCHAR) until bronze's type is changed, numeric text included", async () => {
      const spec = withModel(
        await mariadbSpec(retyped.table, { over: { mode: "cdc", cursor: [] } }),
        retyped.table,
        RETYPE,
      );
      specs = [...specs, spec];
      await retyping(source(retyped), spec, warehouse);
    });
  },
);

describe(
  "PostgreSQL type changes other than widening while changes are captured",
  { skip: missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL") ?? false },
  () => {
    const URL_ENV = "TEST_PG_CDC_RETYPE_URL";
    const { src } = postgresSource("cdcretype", URL_ENV);
    let specs: PipelineSpec[] = [];
    const warehouse = warehousePool(() => specs);
    const setup = async (
      table: string,
      ddl: string,
      values: string,
      cols: readonly string[],
    ): Promise<{ spec: PipelineSpec; source: Source }> => {
      await src().query("CREATE SCHEMA IF NOT EXISTS app");
      await src().query(`CREATE TABLE app.${table} (${ddl})`);
      await src().query(`ALTER TABLE app.${table} REPLICA IDENTITY FULL`);
      await src().query(`INSERT INTO app.${table} VALUES ${values}`);
      const base = await pipelineSpec(
        uniqueName("p"),
        [tableSpec({ name: table, table: `app.${table}`, mode: "cdc", cursor: [] })],
        { source: "postgres", urlEnv: URL_ENV, landing: "local" },
      );
      const spec = withModel(base, table, cols);
      specs = [...specs, spec];
      return {
        spec,
        source: {
          name: table,
          table: `app.${table}`,
          run: async (sql) => void (await src().query(sql)),
          rows: async (list) =>
            (
              await src().query<Row>(
                `SELECT id::text AS id, ${list.map((c) => `${c}::text AS ${c}`).join(", ")} FROM app.${table} ORDER BY id`,
              )
            ).rows,
          narrow: `ALTER TABLE app.${table} ALTER COLUMN n TYPE int, ALTER COLUMN s TYPE varchar(50), ALTER COLUMN d TYPE numeric(10,2)`,
          alter: (types) =>
            `ALTER TABLE app.${table} ${Object.entries(types)
              .map(([c, type]) => `ALTER COLUMN ${c} TYPE ${type}`)
              .join(", ")}`,
          retype: `ALTER TABLE app.${table} ALTER COLUMN c TYPE varchar(20), ALTER COLUMN t TYPE varchar(30)`,
        },
      };
    };

    it("lands a column narrowed during a drain exactly; bronze keeps its wider type", async () => {
      const { spec, source } = await setup(
        "narrowed",
        "id int PRIMARY KEY, n bigint, s varchar(200), d numeric(20,4)",
        "(1, 1, 'row 1', 1.5), (2, 2, 'row 2', 2.5), (3, 3, 'row 3', 3.5)",
        NARROW,
      );
      await narrowing(source, spec, warehouse);
    });

    it("refuses changes written before their column was narrowed that the narrow type cannot hold, until a re-sync", async () => {
      const { spec, source } = await setup(
        "narrowedpast",
        "id int PRIMARY KEY, n bigint, s varchar(200), d numeric(20,4), w timestamp",
        "(1, 1, 'row 1', 1.5, '2026-01-01'), (2, 2, 'row 2', 2.5, '2026-01-02'), (3, 3, 'row 3', 3.5, NULL)",
        PAST,
      );
      await narrowedPast(source, spec, warehouse);
    });

    it("refuses a column changed to another kind (int and timestamp to varchar) until bronze's type is changed, numeric text included", async () => {
      const { spec, source } = await setup(
        "retyped",
        "id int PRIMARY KEY, c int, t timestamp",
        "(1, 1, '2026-01-01 10:00:00'), (2, 2, '2026-01-02 10:00:00'), (3, 3, NULL)",
        RETYPE,
      );
      await retyping(source, spec, warehouse);
    });
  },
);
