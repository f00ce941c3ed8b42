import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { pyComment, pyStr, pyStrTuple } from "../../../src/compiler/python.ts";

test("str literals round-trip quotes, backslashes, control characters and non-ASCII through Python", () => {
  const values = [
    'say "hi"',
    "back\\slash",
    "new\nline\ttab\r",
    "\u0000\u0007\u007f",
    "naïve ☃ 🐟",
    "'single'",
  ];
  const program = `import sys, json\nprint(json.dumps([${values.map(pyStr).join(", ")}]))`;
  const out = execFileSync("python3", ["-c", program], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), values);
});

test("a one-element tuple keeps its comma", () => {
  assert.equal(pyStrTuple(["a"]), '("a",)');
  assert.equal(pyStrTuple([]), "()");
});

test("a comment stays on one line", () => {
  assert.equal(pyComment("a\nb\r\nc"), "# a b c");
});
