import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  context,
  killedExtract,
  manifests,
  mariadbSpec,
  mariadbTable,
  missingStack,
} from "./extract-helpers.ts";
import { bothDifferences, bronzeAndSilver, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * The initial load of a large incremental table in key-range chunks, killed at three points (after a chunk
 * landed, in the middle of a chunk, between a chunk's manifest and its watermark): every run resumes after the
 * last landed chunk without reading landed chunks again, bronze and silver end equal to the source, and rows
 * changed while the load ran arrive with the next incremental run.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");
const ROWS = 500_000;
const CHUNK = 50_000;

/** The line a resumed run logs, naming the chunk it starts at (1-based) and the chunks of the load. */
function resumedAt(log: string): { chunk: number; total: number } {
  const m = /resuming the chunked load at chunk (\d+) of (\d+)/.exec(log);
  assert.ok(m, `the run did not resume a chunked load:\n${log}`);
  return { chunk: Number(m[1]), total: Number(m[2]) };
}

describe(
  "a chunked initial load of an incremental table, killed three times",
  { skip: skip ?? false },
  () => {
    const { table, db } = mariadbTable("chunked", async (db, table) => {
      await db.query(
        `CREATE TABLE ${table} (id INT PRIMARY KEY, payload VARCHAR(100), updated_at DATETIME(6) NOT NULL, KEY (updated_at))`,
      );
      await db.query(
        `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
      );
    });
    let spec: PipelineSpec;
    const warehouse = warehousePool(() => [spec]);
    const diff = () => bothDifferences(db(), warehouse, spec, table);

    it("resumes after the last landed chunk each time, and silver converges to the source", async (t) => {
      const base = await mariadbSpec(table, { over: { chunkSize: CHUNK, fileRows: 25_000 } });
      spec = withWarehouse(base, table);
      const started = Date.now();

      // 1. Killed right after the third chunk landed (manifest and watermark written).
      const first = await killedExtract(spec, { when: (log) => /chunk 3\/\d+ landed/.test(log) });
      const planned = /initial load in (\d+) chunk\(s\).*watermark fixed at (\[[^\]]*\])/.exec(first);
      assert.ok(planned, first);
      const watermark = JSON.parse(planned[2] as string) as unknown[];
      assert.deepEqual(watermark, ["2026-01-06 18:53:20.000000"], "MAX(updated_at) before the first chunk");
      const afterFirst = await manifests(spec, table);
      assert.ok(afterFirst.length >= 3, `chunks 1..3 landed (got ${afterFirst.length})`);

      // Changes while the load is stopped: an update and a delete in a landed chunk and in one still to come, and
      // an insert beyond the last key.
      await db().query(
        `UPDATE ${table} SET payload = 'changed', updated_at = '2027-01-01' WHERE id IN (10, 400000);
       DELETE FROM ${table} WHERE id IN (20, 300000);
       INSERT INTO ${table} VALUES (600001, 'late', '2027-01-02')`,
      );

      // 2. Killed in the middle of a chunk: its first part is uploaded, no manifest yet.
      const second = await killedExtract(spec, { when: (log) => /resuming[\s\S]*landed part 1 /.test(log) });
      assert.equal(
        resumedAt(second).chunk,
        afterFirst.length + 1,
        "run 2 starts after the last landed chunk",
      );
      const afterSecond = await manifests(spec, table);

      // 3. Killed between a chunk's manifest and its watermark (the second chunk this run lands).
      const third = await killedExtract(spec, { point: "extract:after-manifest", skip: 1 });
      assert.equal(
        resumedAt(third).chunk,
        afterSecond.length + 1,
        "run 3 starts after the last landed chunk",
      );
      const afterThird = await manifests(spec, table);
      assert.equal(afterThird.length, afterSecond.length + 2);

      // 4. Completes: adopts the manifest whose watermark was not saved, and reads only the chunks after it.
      const ctx = context(spec);
      const metrics = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
      const log = ctx.lines.join("\n");
      assert.match(log, /adopting 1 landed batch\(es\) the state DB missed/);
      const last = resumedAt(log);
      assert.equal(last.chunk, afterThird.length + 1, "run 4 starts after the adopted chunk");
      const all = await manifests(spec, table);
      assert.deepEqual(
        all.map((m) => m.chunk?.index),
        [...all.keys()],
        "every chunk landed exactly once, in order",
      );
      assert.deepEqual(
        all.slice(0, afterThird.length).map((m) => m.batchId),
        afterThird.map((m) => m.batchId),
        "chunks landed before a kill are kept",
      );
      const fresh = all.slice(afterThird.length);
      assert.equal(metrics.chunks, fresh.length);
      assert.equal(metrics.chunksTotal, last.total);
      assert.equal(metrics.rowsRead, sum(fresh), "run 4 read no row of a chunk landed before");
      assert.ok(
        all.every((m: BatchManifest) => JSON.stringify(m.watermark.to) === JSON.stringify(watermark)),
      );
      assert.equal(all.at(-1)?.chunk?.last, true);
      assert.ok(all.at(-1)?.keyFiles, "the last chunk carries the key set");
      assert.deepEqual(metrics.watermark, watermark);
      assert.ok(
        ctx.lines.some((l) => /chunk \d+\/\d+ landed .* rows this run at \d+ rows\/s/.test(l)),
        "chunk lines say the progress",
      );
      const landedRows = sum(all);
      t.diagnostic(
        `${ROWS} rows in ${all.length} chunks, 3 kills, ${landedRows} rows landed, extract done in ${Math.round((Date.now() - started) / 1000)} s; last run ${metrics.rowsPerSecond} rows/s`,
      );

      // Bronze and silver: equal to the source (id 20, deleted after its chunk landed, left with the key set) but
      // for the row updated in a chunk that had already landed.
      await bronzeAndSilver(spec, table);
      assert.deepEqual(await diff(), { bronze: [10], silver: [10] });

      // The next incremental run reads from the watermark fixed before the load: the updates arrive.
      const next = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
      // ids 10, 400000 and 600001 changed after the watermark; 500000 holds it (closed start, bronze drops it).
      assert.equal(next.rowsRead, 4);
      await bronzeAndSilver(spec, table);
      assert.deepEqual(await diff(), { bronze: [], silver: [] });
    });
  },
);

function sum(batches: BatchManifest[]): number {
  return batches.reduce((n, m) => n + m.rows, 0);
}
