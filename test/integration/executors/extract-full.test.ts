import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type mysql from "mysql2/promise";
import { extract } from "../../../src/executors/extract/index.ts";
import {
  context,
  killedExtract,
  landingZone,
  manifests,
  mariadbConnection,
  migrateState,
  missingStack,
  pipelineSpec,
  readParquet,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";

const skip = missingStack("SMELTER_MARIADB_URL");
const ROWS = 20_000;
const CHUNK = 1_500;

describe(
  "full load of a MariaDB table with a composite key, in key-range chunks",
  { skip: skip ?? false },
  () => {
    let db: mysql.Connection;
    const table = uniqueName("full");

    before(async () => {
      await migrateState();
      db = await mariadbConnection();
      // Key order (tenant, id) differs from insertion order, so chunks must follow the key, not the heap.
      await db.query(
        `CREATE TABLE ${table} (tenant INT NOT NULL, id INT NOT NULL, name VARCHAR(40), updated_at DATETIME NOT NULL,
                              PRIMARY KEY (tenant, id))`,
      );
      await db.query(
        `INSERT INTO ${table} SELECT seq % 7, seq, CONCAT('row ', seq), '2026-01-01' FROM seq_1_to_${ROWS}`,
      );
    });
    after(async () => {
      await db?.query(`DROP TABLE IF EXISTS ${table}`);
      await db?.end();
    });

    it("resumes after a SIGKILL at the chunk after the last landed one and lands every row exactly once", async () => {
      const spec = await pipelineSpec(
        uniqueName("p"),
        [
          tableSpec({
            name: table,
            mode: "full",
            primaryKey: ["tenant", "id"],
            chunkSize: CHUNK,
            fileRows: 1000,
          }),
        ],
        { source: "mariadb", urlEnv: "SMELTER_MARIADB_URL", landing: "local" },
      );
      await killedExtract(spec, {
        when: (log) => log.includes(`chunk 4/${Math.floor(ROWS / CHUNK) + 1} landed`),
      });
      const before = await manifests(spec, table);
      assert.ok(before.length >= 4, `at least chunks 0..3 landed before the kill (got ${before.length})`);
      assert.ok(before.every((m) => !m.chunk?.last));

      const ctx = context(spec);
      const metrics = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
      const resumedAt = before.length;
      assert.ok(
        ctx.lines.some((l) => l.includes(`resuming the full load at chunk ${resumedAt + 1} of`)),
        ctx.lines.join("\n"),
      );

      const all = await manifests(spec, table);
      const chunks = Math.floor(ROWS / CHUNK) + 1;
      assert.equal(all.length, chunks);
      assert.deepEqual(
        all.map((m) => m.chunk?.index),
        [...Array(chunks).keys()],
      );
      assert.deepEqual(
        all.slice(0, before.length).map((m) => m.batchId),
        before.map((m) => m.batchId),
        "the chunks landed before the kill are kept, not landed again",
      );
      assert.equal(all.at(-1)?.chunk?.last, true);
      assert.ok(all.slice(0, -1).every((m) => m.chunk?.last === false));
      for (const [i, m] of all.entries()) {
        if (i > 0)
          assert.deepEqual(m.chunk?.from, all[i - 1]?.chunk?.to, `chunk ${i} starts where ${i - 1} ended`);
      }
      assert.equal(metrics.rowsLanded, ROWS - before.reduce((n, m) => n + m.rows, 0));

      const rows = await readParquet(
        landingZone(spec),
        all.flatMap((m) => m.files.map((f) => f.key)),
        "tenant, id",
      );
      assert.equal(rows.length, ROWS);
      assert.equal(new Set(rows.map((r) => `${r.tenant}/${r.id}`)).size, ROWS, "no key landed twice");
      assert.deepEqual(rows[0], { tenant: 0, id: 7, name: "row 7", updated_at: "2026-01-01 00:00:00" });
    });

    it("starts a new full load after the last chunk", async () => {
      const spec = await pipelineSpec(
        uniqueName("p"),
        [tableSpec({ name: table, mode: "full", primaryKey: ["tenant", "id"], chunkSize: 8_000 })],
        { source: "mariadb", urlEnv: "SMELTER_MARIADB_URL", landing: "local" },
      );
      const first = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
      const second = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
      assert.deepEqual([first.batches, first.rowsLanded], [3, ROWS]);
      assert.deepEqual([second.batches, second.rowsLanded], [3, ROWS]);
      const all = await manifests(spec, table);
      assert.deepEqual(
        all.map((m) => m.chunk?.index),
        [0, 1, 2, 0, 1, 2],
      );
    });
  },
);
