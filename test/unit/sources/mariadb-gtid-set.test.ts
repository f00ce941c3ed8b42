import assert from "node:assert/strict";
import { test } from "node:test";
import { GtidSet, isGtidSet } from "../../../src/sources/mariadb/gtid-set.ts";

const A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const B = "8b225f12-f13f-11f1-8075-02fc00000001";

test("a MySQL GTID set parses as MySQL prints it, line breaks and upper case included, and prints merged", () => {
  const set = GtidSet.parse(`${B}:1-3:7,\n${A.toUpperCase()}:5:6-9:1-2`);
  assert.equal(set.toString(), `${A}:1-2:5-9,${B}:1-3:7`);
  assert.equal(GtidSet.parse("").toString(), "");
  assert.equal(GtidSet.parse(`${A}:tag_1:1-4:6,${A}:2`).toString(), `${A}:2,${A}:tag_1:1-4:6`);
});

test("membership, inclusion and equality of GTID sets", () => {
  const set = GtidSet.parse(`${A}:1-5:8`);
  assert.equal(set.has(`${A}:5`), true);
  assert.equal(set.has(`${A}:6`), false);
  assert.equal(set.has(`${B}:1`), false);
  assert.equal(GtidSet.parse(`${A}:2-4`).within(set), true);
  assert.equal(GtidSet.parse(`${A}:2-6`).within(set), false);
  assert.equal(GtidSet.parse(`${B}:1`).within(set), false);
  assert.equal(GtidSet.empty().within(set), true);
  assert.equal(set.equals(GtidSet.parse(`${A}:8,${A}:1-3:4-5`)), true);
  assert.equal(set.equals(GtidSet.parse(`${A}:1-5`)), false);
});

test("adding transactions one by one reaches the set they make", () => {
  const set = GtidSet.parse(`${A}:1-3`);
  for (const n of [4, 5, 7]) set.add(`${A}:${n}`);
  set.add(`${B}:1`);
  assert.equal(set.toString(), `${A}:1-5:7,${B}:1`);
  assert.equal(set.equals(GtidSet.parse(`${B}:1,${A}:1-5:7`)), true);
});

test("a set less another keeps what the other lacks", () => {
  const set = GtidSet.parse(`${A}:1-10,${B}:1-4`);
  assert.equal(set.minus(GtidSet.parse(`${A}:3-4:9-12,${B}:1-4`)).toString(), `${A}:1-2:5-8`);
  assert.equal(set.minus(GtidSet.empty()).toString(), set.toString());
});

test("a GTID set is told apart from a MariaDB GTID position", () => {
  assert.equal(isGtidSet(`${A}:1-5`), true);
  assert.equal(isGtidSet("0-1-120,1-2-7"), false);
});
