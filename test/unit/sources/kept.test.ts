import assert from "node:assert/strict";
import { test } from "node:test";
import { KeptConnections, settingsKey } from "../../../src/sources/kept.ts";
import type { ResolvedDatabase } from "../../../src/spec/resolve.ts";

interface Fake {
  id: number;
  held: boolean;
  ended: boolean;
}

function kept() {
  return new KeptConnections<Fake>({
    end: async (c) => {
      c.ended = true;
    },
    hold: (c, held) => {
      c.held = held;
    },
  });
}

const fake = (id: number): Fake => ({ id, held: true, ended: false });

test("a connection given back is taken again by the same settings only, held again while in use", async () => {
  const pool = kept();
  const c = fake(1);
  await pool.give("a", c);
  assert.equal(c.held, false, "an idle connection does not keep the process alive");
  assert.equal(pool.take("b"), undefined);
  assert.equal(pool.take("a"), c);
  assert.equal(c.held, true);
  assert.equal(pool.take("a"), undefined, "taken once");
});

test("beyond four idle connections per settings the one given back is closed", async () => {
  const pool = kept();
  const all = [1, 2, 3, 4, 5].map(fake);
  for (const c of all) await pool.give("a", c);
  assert.deepEqual(
    all.map((c) => c.ended),
    [false, false, false, false, true],
  );
});

test("settings keys differ by any connection setting and by the statement timeout", () => {
  const db = {
    name: "src",
    kind: "mariadb",
    host: "h",
    port: 3306,
    database: "d",
    user: "u",
    password: "s3cret",
    timezone: "+00:00",
    maxConnections: 4,
  } as ResolvedDatabase;
  assert.equal(settingsKey(db, 1000), settingsKey({ ...db }, 1000));
  assert.notEqual(settingsKey(db, 1000), settingsKey({ ...db, password: "q" }, 1000));
  assert.notEqual(settingsKey(db, 1000), settingsKey(db, 2000));
  assert.ok(!settingsKey(db, 1000).includes("s3cret"), "the key names no credential");
});
