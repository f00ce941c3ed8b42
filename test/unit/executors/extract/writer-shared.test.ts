import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { closeKeptDuckdb } from "../../../../src/db/duckdb.ts";
import {
  borrowExtractDuckdb,
  type LandedColumn,
  PartWriter,
} from "../../../../src/executors/extract/writer.ts";
import { LocalLandingZone } from "../../../../src/landing/local.ts";

after(closeKeptDuckdb);

const columns: LandedColumn[] = [
  {
    name: "id",
    mapping: { parquetType: "BIGINT", logical: { type: "int", bits: 64, signed: true }, input: "text" },
  },
  {
    name: "payload",
    mapping: { parquetType: "VARCHAR", logical: { type: "string" }, input: "text" },
  } as LandedColumn,
];

/** `rows` CSV lines of an id and ~`width` bytes of incompressible text. */
function csvRows(
  from: number,
  rows: number,
  width: number,
): { bytes: Buffer; rows: number; longest: number } {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(`${from + i},"${randomBytes(width / 2).toString("hex")}"\n`);
  const bytes = Buffer.from(lines.join(""));
  return { bytes, rows, longest: width + 24 };
}

test("parts of chunks read in parallel convert one at a time on their shared DuckDB, within its memory budget", async () => {
  // Four writers on one instance (one extraction's chunks read at once), each a 40k-row part of ~1.5 KB rows
  // (~60 MB of CSV): each fits the 128 MiB budget alone; converting them at once did not ("Out of Memory").
  const dir = await mkdtemp(join(tmpdir(), "smelter-writer-shared-"));
  const lease = await borrowExtractDuckdb();
  try {
    const zone = new LocalLandingZone(join(dir, "zone"), "landing");
    const rows = 40_000;
    const writers = [0, 1, 2, 3].map(
      (chunk) =>
        new PartWriter(
          lease.instance,
          zone,
          { pipeline: "p", table: "t", batchId: `b20261206T000000000Z-0000000${chunk}`, kind: "part" },
          columns,
          rows,
          dir,
        ),
    );
    const landed = await Promise.all(
      writers.map(async (w, chunk) => {
        for (let i = 0; i < rows; i += 10_000) await w.appendCsv(csvRows(chunk * rows + i, 10_000, 1500));
        return w.finish();
      }),
    );
    assert.deepEqual(
      landed.map((files) => files.reduce((n, f) => n + f.rows, 0)),
      [rows, rows, rows, rows],
    );
  } finally {
    await lease.release(true);
    await rm(dir, { recursive: true, force: true });
  }
});
