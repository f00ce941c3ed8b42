import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { truncatedTable } from "../../../src/sources/mariadb/statements.ts";

describe("truncatedTable", () => {
  it("names the table of a TRUNCATE as the binary log writes it, qualified by the default schema", () => {
    assert.equal(truncatedTable("TRUNCATE TABLE orders", "shop"), "shop.orders");
    assert.equal(truncatedTable("truncate orders", "shop"), "shop.orders");
    assert.equal(truncatedTable("  TRUNCATE\n  TABLE `Sales`.`Orders` WAIT 5", "shop"), "sales.orders");
    assert.equal(truncatedTable("TRUNCATE `odd``name`", "s"), "s.odd`name");
    assert.equal(truncatedTable("TRUNCATE other . t;", "s"), "other.t");
    assert.equal(truncatedTable("/* app */ TRUNCATE TABLE t", "s"), "s.t");
  });

  it("is null for every other statement", () => {
    assert.equal(truncatedTable("DELETE FROM orders", "shop"), null);
    assert.equal(truncatedTable("CREATE TABLE truncate_log (id INT)", "shop"), null);
    assert.equal(truncatedTable("INSERT INTO t VALUES ('TRUNCATE t')", "shop"), null);
    assert.equal(truncatedTable("COMMIT", "shop"), null);
  });
});
