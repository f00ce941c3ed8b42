import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverName, slotName } from "../../../src/sources/postgres/slot.ts";

describe("PostgreSQL replication slot names", () => {
  it("names a table's slot after the table and a source task's after the source", () => {
    assert.equal(serverName({ name: "shop__orders", table: "app.orders" }), "smelter_shop__orders");
    assert.equal(
      serverName({
        name: "shop__orders",
        table: "app.orders",
        group: { name: "src_shop__pg", members: [{ name: "shop__orders", table: "app.orders" }] },
      }),
      "smelter_src_shop__pg",
    );
  });

  it("cuts a name over 63 bytes to 54 characters and a hash of the whole, the same every time", () => {
    const long = `src_${"a".repeat(40)}__${"b".repeat(30)}`;
    const name = slotName(long);
    assert.equal(name.length, 63);
    assert.match(name, /^[a-z0-9_]+$/);
    assert.equal(name, slotName(long), "deterministic");
    assert.equal(name.slice(0, 54), `smelter_${long}`.slice(0, 54));
    assert.notEqual(slotName(`${long}c`), name, "names sharing their first 54 characters differ by the hash");
    assert.equal(slotName("x".repeat(55)), `smelter_${"x".repeat(55)}`, "63 bytes exactly are kept");
  });
});
