import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../../src/errors.ts";
import { binlog } from "../../../src/sources/mariadb/binlog.ts";
import { asPosition, compare, order, stored } from "../../../src/sources/mariadb/position.ts";

test("a change's order follows the log: file sequence, then the event's end offset, then the row", () => {
  const a = BigInt(order("mariadb-bin.000002", 4_000_000, 3));
  assert.equal(a, 2n * 10n ** 18n + 4_000_000n * 10n ** 6n + 3n);
  assert.ok(
    BigInt(order("mariadb-bin.000003", 4, 0)) > a,
    "a later file sorts above any offset of an earlier one",
  );
  assert.ok(BigInt(order("mariadb-bin.000002", 4_000_001, 0)) > a);
});

test("a shift raises the file sequence of every order read from a position", () => {
  // A failover to a server whose log is at file 1 after one that reached file 999999.
  const before = BigInt(order("mariadb-bin.999999", 9_999_999, 99));
  const after = BigInt(order("mariadb-bin.000001", 4, 0, 999_999));
  assert.ok(after > before, "the shifted change sorts above what the old server's log gave");
  assert.equal(after, 1_000_000n * 10n ** 18n + 4n * 10n ** 6n);
});

test("positions store their shift only when they have one, and compare as points of one server's log", () => {
  assert.deepEqual(stored(asPosition(["b.000001", 4, "0-1-5"])), ["b.000001", 4, "0-1-5"]);
  assert.deepEqual(stored(asPosition(["b.000001", 4])), ["b.000001", 4]);
  assert.deepEqual(asPosition(["b.000001", 4, "0-1-5", 7]), {
    file: "b.000001",
    offset: 4,
    gtid: "0-1-5",
    shift: 7,
  });
  assert.deepEqual(stored(asPosition(["b.000001", 4, "0-1-5", 7])), ["b.000001", 4, "0-1-5", 7]);
  assert.equal(compare(["b.000001", 4, "0-1-5", 7], ["b.000002", 4]), -1, "the shift is not compared");
  assert.throws(() => asPosition(["b.000001", 4, "0-1-5", "7"]), ConfigError);
});

test("a table that drained from a shifted position stores the head with the same shift", () => {
  assert.deepEqual(binlog.continued(["b.000001", 4, "0-1-5", 7], ["b.000001", 900, "0-1-9"]), [
    "b.000001",
    900,
    "0-1-9",
    7,
  ]);
  assert.deepEqual(binlog.continued(["b.000001", 4, "0-1-5"], ["b.000001", 900, "0-1-9"]), [
    "b.000001",
    900,
    "0-1-9",
  ]);
});
