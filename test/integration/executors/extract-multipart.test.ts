import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { extract } from "../../../src/executors/extract/index.ts";
import { latestManifest, openLandingZone } from "../../../src/landing/index.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import { context, mariadbSpec, mariadbTable, missingStack } from "./extract-helpers.ts";

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_S3_ENDPOINT", "SMELTER_S3_BUCKET");
/** Random bytes do not compress: 200 rows of 100 KiB make a part of about 20 MiB, above the multipart threshold. */
const ROWS = 200;
const BLOB_BYTES = 100 * 1024;

describe("a part larger than 16 MiB", { skip: skip ?? false }, () => {
  const { table, db } = mariadbTable("big", async (db, table) => {
    await db.query(
      `CREATE TABLE ${table} (id INT PRIMARY KEY, updated_at DATETIME NOT NULL, payload MEDIUMBLOB)`,
    );
    for (let id = 1; id <= ROWS; id += 10) {
      const rows = Array.from({ length: 10 }, (_, i) => [id + i, "2026-01-01", randomBytes(BLOB_BYTES)]);
      await db.query(`INSERT INTO ${table} VALUES ?`, [rows]);
    }
  });

  it("is uploaded to S3 in parts and reads back byte for byte", async () => {
    const spec = await mariadbSpec(table, { landing: "s3" });
    const ctx = context(spec);
    await extract({ pipeline: spec.name, step: "extract", table }, ctx);
    const zone = openLandingZone(resolveLanding(spec, "landing", ctx.env));
    const manifest = await latestManifest(zone, spec.name, table);
    assert.ok(manifest);
    assert.equal(manifest.files.length, 1);
    const file = manifest.files[0] as { key: string; bytes: number };
    assert.ok(file.bytes > 16 * 1024 * 1024, `part is ${file.bytes} bytes`);

    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: process.env.SMELTER_S3_ENDPOINT,
      forcePathStyle: true,
      credentials: { accessKeyId: "smelter", secretAccessKey: "smelter-secret" },
    });
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: process.env.SMELTER_S3_BUCKET, Key: `test/${spec.name}/${file.key}` }),
    );
    // A multipart object's ETag ends in -<number of parts>.
    assert.match(head.ETag ?? "", /-\d+"?$/);

    const local = join(await mkdtemp(join(tmpdir(), "smelter-big-")), "part.parquet");
    assert.equal((await zone.getFile(file.key, local)).bytes, file.bytes);
    const con = await (await DuckDBInstance.create(":memory:")).connect();
    const landed = (
      await con.runAndReadAll(`SELECT id, md5(payload) FROM read_parquet('${local}') ORDER BY id`)
    ).getRows();
    const [source] = await db().query(`SELECT id, MD5(payload) FROM ${table} ORDER BY id`);
    assert.deepEqual(
      landed.map((r) => [Number(r[0]), r[1]]),
      (source as { id: number; "MD5(payload)": string }[]).map((r) => [r.id, r["MD5(payload)"]]),
    );
  });
});
