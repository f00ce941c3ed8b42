import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type pg from "pg";
import { extract } from "../../../src/executors/extract/index.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { context, mariadbSpec, mariadbTable, missingStack } from "./extract-helpers.ts";
import { bothDifferences, bronzeAndSilver, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * Change capture from MariaDB's binary log (mode cdc) on the stack's PostgreSQL warehouse: a snapshot in chunks
 * with changes made while it is read, then rounds of random inserts, updates and deletes (several to one key,
 * deletes followed by re-inserts), each drained by an extract, applied by bronze and merged by silver.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");
const ROWS = 2_000;
const KEYS = 2_400;
const HOT = 15;
const ROUNDS = 4;
const OPS = 200;

/** A seeded generator, so that a failing round can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What the change feed holds for each key after `version`, in commit order: each new payload, or `delete`. */
async function feedByKey(
  warehouse: pg.Pool,
  spec: PipelineSpec,
  table: string,
  version: number,
): Promise<Map<number, string[]>> {
  const { rows } = await warehouse.query<{ id: number; c: string; p: string | null }>(
    `SELECT id, _change_type AS c, payload AS p FROM "${spec.bronzeSchema}"."${table}__changes"
      WHERE _commit_version > $1 AND _change_type <> 'update_preimage' ORDER BY id, _commit_version`,
    [version],
  );
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const list = out.get(Number(r.id)) ?? [];
    list.push(r.c === "delete" ? "delete" : String(r.p));
    out.set(Number(r.id), list);
  }
  return out;
}

async function newestVersion(warehouse: pg.Pool, spec: PipelineSpec, table: string): Promise<number> {
  const { rows } = await warehouse.query<{ v: number }>(
    `SELECT coalesce(max(_commit_version), 0)::int AS v FROM "${spec.bronzeSchema}"."${table}__changes"`,
  );
  return rows[0]?.v ?? 0;
}

describe("change capture from the MariaDB binary log", { skip: skip ?? false }, () => {
  const { table, db } = mariadbTable("cdc", async (db, table) => {
    await db.query(
      `CREATE TABLE ${table} (id INT PRIMARY KEY, payload VARCHAR(100), updated_at DATETIME(6) NOT NULL)`,
    );
    await db.query(
      `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
    );
  });
  let spec: PipelineSpec;
  const warehouse = warehousePool(() => [spec]);

  /** One statement per change, so that each is known to have happened (affected rows) and in which order. */
  const change = async (
    next: () => number,
    round: number,
    i: number,
    expected: Map<number, string[]>,
  ): Promise<void> => {
    // Half the changes go to a few hot keys, so that keys change several times within one drain.
    const id = 1 + Math.floor(next() * (next() < 0.5 ? HOT : KEYS));
    const payload = `r${round}-${i}`;
    const pick = next();
    const list = expected.get(id) ?? [];
    if (pick < 0.35) {
      const [r] = await db().query(
        `INSERT INTO ${table} VALUES (?, ?, NOW(6)) ON DUPLICATE KEY UPDATE payload = VALUES(payload)`,
        [id, payload],
      );
      if ((r as { affectedRows: number }).affectedRows > 0) list.push(payload);
    } else if (pick < 0.75) {
      const [r] = await db().query(`UPDATE ${table} SET payload = ?, updated_at = NOW(6) WHERE id = ?`, [
        payload,
        id,
      ]);
      if ((r as { affectedRows: number }).affectedRows > 0) list.push(payload);
    } else {
      const [r] = await db().query(`DELETE FROM ${table} WHERE id = ?`, [id]);
      if ((r as { affectedRows: number }).affectedRows > 0) list.push("delete");
    }
    if (list.length > 0) expected.set(id, list);
  };

  it("joins a snapshot taken while the table changes to the log, then lands every change in log order", async () => {
    const base = await mariadbSpec(table, { over: { mode: "cdc", cursor: [], chunkSize: 700 } });
    spec = withWarehouse(base, table);
    const next = random(18);

    // The first run: the log's head, then the snapshot in chunks, with changes made between its chunks.
    const ctx = context(spec);
    let during: Promise<void> = Promise.resolve();
    const info = ctx.log.info;
    ctx.log.info = (m: string) => {
      info(m);
      if (m.includes("chunk 1/"))
        during = (async () => {
          for (let i = 0; i < 100; i++) await change(next, 0, i, new Map());
        })();
    };
    const first = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
    await during;
    assert.equal(first.chunks, 3, ctx.lines.join("\n"));
    await bronzeAndSilver(spec, table);
    // Changes made during the snapshot and after it are drained by the next run.
    await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });

    for (let round = 1; round <= ROUNDS; round++) {
      const version = await newestVersion(warehouse, spec, table);
      const expected = new Map<number, string[]>();
      for (let i = 0; i < OPS; i++) await change(next, round, i, expected);
      const started = performance.now();
      const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
      const drainMs = Math.round(performance.now() - started);
      await bronzeAndSilver(spec, table);
      const changes = [...expected.values()].reduce((n, l) => n + l.length, 0);
      assert.equal(metrics.rowsLanded, changes, `round ${round}: one landed row per change`);
      console.error(`round ${round}: ${changes} changes drained in ${drainMs} ms`);
      assert.deepEqual(
        await bothDifferences(db(), warehouse, spec, table),
        { bronze: [], silver: [] },
        `round ${round}`,
      );
      const feed = await feedByKey(warehouse, spec, table, version);
      assert.deepEqual(
        [...feed.entries()].sort((a, b) => a[0] - b[0]),
        [...expected.entries()].sort((a, b) => a[0] - b[0]),
        `round ${round}: the change feed holds every version of every key, in order`,
      );
      assert.ok(
        [...expected.values()].some((l) => l.length > 2),
        "some key changed several times in the round",
      );
      assert.ok(
        [...expected.values()].some((l) =>
          l.slice(0, -1).some((c, j) => c === "delete" && l[j + 1] !== "delete"),
        ),
        "some key was deleted and inserted again in the round",
      );
    }

    // The stored position: binlog file and offset, and the same point as a MariaDB GTID position.
    const stored = await context(spec).watermarks.read(spec.name, table);
    assert.match(String(stored?.watermark?.[0]), /^mariadb-bin\.\d+$/);
    assert.equal(typeof stored?.watermark?.[1], "number");
    assert.match(String(stored?.watermark?.[2]), /^\d+-\d+-\d+/);

    // Nothing changed since: the next run lands nothing and bronze commits no version.
    const version = await newestVersion(warehouse, spec, table);
    const idle = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    await bronzeAndSilver(spec, table);
    assert.equal(idle.rowsLanded, 0);
    assert.equal(await newestVersion(warehouse, spec, table), version);
  });
});
