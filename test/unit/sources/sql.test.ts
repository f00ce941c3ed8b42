import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chunkEndSql, maxSql, type SqlDialect, selectSql } from "../../../src/sources/sql.ts";

const mysql: SqlDialect = { quote: (id) => `\`${id.replace(/`/g, "``")}\``, param: () => "?" };
const pg: SqlDialect = { quote: (id) => `"${id.replace(/"/g, '""')}"`, param: (n) => `$${n}` };

describe("extraction SQL", () => {
  it("reads incrementally with a closed start on the cursor tuple", () => {
    assert.deepEqual(
      selectSql(pg, { table: "app.posts" }, ["id", "t"], {
        cursorFrom: { columns: ["updated_at", "id"], values: ["2026-01-01", 7] },
      }),
      {
        sql: 'SELECT "id", "t" FROM "app"."posts" WHERE ("updated_at", "id") >= ($1, $2)',
        values: ["2026-01-01", 7],
      },
    );
  });

  it("reads a key-range chunk (after, to] in key order, with a limit only when given", () => {
    assert.deepEqual(
      selectSql(mysql, { table: "posts" }, ["a", "b"], {
        keyAfter: { columns: ["a", "b"], values: [1, 2], to: [3, 4] },
      }),
      {
        sql: "SELECT `a`, `b` FROM `posts` WHERE (`a`, `b`) > (?, ?) AND (`a`, `b`) <= (?, ?) ORDER BY `a`, `b`",
        values: [1, 2, 3, 4],
      },
    );
    assert.equal(
      selectSql(pg, { table: "t" }, ["id"], { keyAfter: { columns: ["id"], values: null, limit: 10 } }).sql,
      'SELECT "id" FROM "t" ORDER BY "id" LIMIT 10',
    );
  });

  it("renders selected columns through expr, leaving the filter and order on the columns themselves", () => {
    const hex = (quoted: string, column: string) =>
      column === "b" ? `encode(${quoted}, 'hex') AS ${quoted}` : quoted;
    assert.equal(
      selectSql(pg, { table: "t" }, ["id", "b"], { keyAfter: { columns: ["id"], values: [1] } }, hex).sql,
      `SELECT "id", encode("b", 'hex') AS "b" FROM "t" WHERE "id" > $1 ORDER BY "id"`,
    );
  });

  it("reads a backfill's range [from, to), either end open", () => {
    assert.deepEqual(
      selectSql(pg, { table: "t" }, ["id"], {
        between: { columns: ["updated_at", "id"], from: ["2026-01-01", 3], to: ["2026-02-01", 0] },
      }),
      {
        sql: 'SELECT "id" FROM "t" WHERE ("updated_at", "id") >= ($1, $2) AND ("updated_at", "id") < ($3, $4)',
        values: ["2026-01-01", 3, "2026-02-01", 0],
      },
    );
    assert.deepEqual(
      selectSql(mysql, { table: "t" }, ["id"], { between: { columns: ["id"], from: null, to: [10] } }),
      { sql: "SELECT `id` FROM `t` WHERE `id` < ?", values: [10] },
    );
  });

  it("finds a chunk's end as the size-th key after the previous end", () => {
    assert.deepEqual(chunkEndSql(pg, { table: "t" }, ["a", "b"], [5, "x"], 1000), {
      sql: 'SELECT "a", "b" FROM "t" WHERE ("a", "b") > ($1, $2) ORDER BY "a", "b" LIMIT 1 OFFSET 999',
      values: [5, "x"],
    });
    assert.deepEqual(chunkEndSql(mysql, { query: "SELECT 1 AS id" }, ["id"], null, 1), {
      sql: "SELECT `id` FROM (SELECT 1 AS id) AS `_smelter_src` ORDER BY `id` LIMIT 1 OFFSET 0",
      values: [],
    });
  });

  it("quotes identifiers and reads the max cursor through the index", () => {
    assert.equal(
      maxSql(mysql, { table: "we`ird" }, ["u"]),
      "SELECT `u` FROM `we``ird` WHERE `u` IS NOT NULL ORDER BY `u` DESC LIMIT 1",
    );
  });
});
