import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  context,
  landedRows,
  MARIADB,
  MYSQL,
  manifests,
  mariadbSpec,
  mariadbTable,
  missingStack,
} from "./extract-helpers.ts";

// MariaDB into both landing zones, MySQL into a local one (the landing zone does not depend on the source).
const cases = [
  { server: MARIADB, landing: "local" },
  { server: MARIADB, landing: "s3" },
  { server: MYSQL, landing: "local" },
] as const;

for (const { server, landing } of cases) {
  const skip = missingStack(server.urlEnv, "SMELTER_S3_ENDPOINT", "SMELTER_S3_BUCKET");
  describe(
    `incremental extract from ${server.label} into a ${landing} landing zone`,
    { skip: skip ?? false },
    () => {
      const { table, db } = mariadbTable(
        "inc",
        async (db, table) => {
          await db.query(
            `CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(50), updated_at DATETIME(6) NOT NULL, KEY (updated_at))`,
          );
        },
        server,
      );
      let spec: PipelineSpec;
      before(async () => {
        spec = await mariadbSpec(table, { landing, over: { fileRows: 2 }, server });
      });

      it("lands every row on the first run as one chunk with its key set, in parts of fileRows, with the manifest last", async () => {
        await db().query(
          `INSERT INTO ${table} VALUES (1,'a','2026-01-01 00:00:00'),(2,'b','2026-01-01 00:00:01'),
                                     (3,'c','2026-01-01 00:00:02')`,
        );
        const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        assert.equal(metrics.rowsLanded, 3);
        // Two parts of rows and two of keys: the table is smaller than a chunk, so its one chunk is the last.
        assert.equal(metrics.files, 4);
        assert.deepEqual([metrics.chunks, metrics.chunksTotal], [1, 1]);
        assert.deepEqual(metrics.watermark, ["2026-01-01 00:00:02.000000"]);
        const [m] = await manifests(spec, table);
        assert.ok(m);
        assert.deepEqual(m.watermark, { from: null, to: ["2026-01-01 00:00:02.000000"], lagSeconds: 0 });
        assert.deepEqual(m.chunk, { index: 0, from: null, to: [3], last: true, total: 1 });
        assert.equal(
          m.keyFiles?.reduce((n, f) => n + f.rows, 0),
          3,
        );
        assert.deepEqual(
          (await landedRows(spec, m)).map((r) => r.name),
          ["a", "b", "c"],
        );
      });

      it("picks up inserts and updates once, re-reading only rows that share the watermark value", async () => {
        // id 4 shares the old watermark value: a strict '>' would lose it.
        await db().query(
          `INSERT INTO ${table} VALUES (4,'d','2026-01-01 00:00:02'),(5,'e','2026-01-01 00:00:05');
         UPDATE ${table} SET name = 'A', updated_at = '2026-01-01 00:00:06' WHERE id = 1`,
        );
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        const all = await manifests(spec, table);
        assert.equal(all.length, 2);
        const second = all[1] as BatchManifest;
        assert.deepEqual(second.watermark.from, ["2026-01-01 00:00:02.000000"]);
        assert.deepEqual(
          (await landedRows(spec, second)).map((r) => `${r.id}:${r.name}`),
          ["1:A", "3:c", "4:d", "5:e"],
        );
      });

      it("re-reads only the boundary row when nothing changed and lands no batch from an empty table", async () => {
        const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        // The boundary row (the max) is always re-read: one row, identical, which bronze drops.
        assert.equal(metrics.rowsLanded, 1);
        await db().query(`DELETE FROM ${table}`);
        const empty = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        assert.equal(empty.batches, 0);
      });
    },
  );
}
