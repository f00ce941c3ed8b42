import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "../../../src/errors.ts";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { listManifestIds, newBatchId, partKey } from "../../../src/landing/index.ts";
import { tablePrefix } from "../../../src/landing/layout.ts";
import { pruneLanding } from "../../../src/scheduler/landing-retention.ts";
import { Fixture, POSTS, type Row, writeParquet } from "../warehouse/fixture.ts";

const fixtures: Fixture[] = [];
after(async () => {
  for (const fx of fixtures) await fx.close();
});

async function s3Fixture(): Promise<Fixture> {
  const fx = await Fixture.create(undefined, undefined, { landing: "s3" });
  fixtures.push(fx);
  return fx;
}

const row = (id: number, title: string, second: number): Row => ({
  id,
  account_type_id: 1,
  title,
  amount: "1.5000",
  payload: JSON.stringify({ kind: title, tags: [title] }),
  updated_at: `2024-01-01 00:00:${String(second).padStart(2, "0")}`,
  deleted: false,
});

async function landedKeys(fx: Fixture): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of fx.zone.list(tablePrefix(fx.spec.name, "posts"))) keys.push(key);
  return keys;
}

test("landing retention deletes old applied batches and old unfinished ones, keeping pending batches and the newest manifest", async () => {
  const fx = await s3Fixture();
  const request = { pipeline: fx.spec.name, step: "bronze" as const, table: "posts" };
  const first = await fx.land([row(1, "a", 1)]);
  const second = await fx.land([row(2, "b", 1)]);
  await bronze(request, fx.ctx());
  const pending = await fx.land([row(3, "c", 1)]);
  // An extraction that died before its manifest: files only.
  const orphan = join(fx.dir, "orphan.parquet");
  await writeParquet(orphan, POSTS, [row(4, "d", 1)]);
  await fx.zone.putFile(partKey(fx.spec.name, "posts", newBatchId(), 0), orphan);

  const young = await pruneLanding(fx.spec, "posts", process.env, { olderThanDays: 1 });
  assert.deepEqual(young, { batches: 0, objects: 0 });

  const later = new Date(Date.now() + 3 * 86_400_000);
  const pruned = await pruneLanding(fx.spec, "posts", process.env, { olderThanDays: 1, now: later });
  assert.deepEqual(pruned, { batches: 3, objects: 5 });
  assert.deepEqual(await listManifestIds(fx.zone, fx.spec.name, "posts"), [pending.batchId]);
  const left = await landedKeys(fx);
  assert.ok(left.some((k) => k.includes(pending.batchId) && k.endsWith(".parquet")));
  assert.ok(!left.some((k) => k.includes(first.batchId) || k.includes(second.batchId)));
  assert.equal(left.length, 2);

  // Applied now, but the newest manifest: it stays for the extraction's watermark adoption.
  await bronze(request, fx.ctx());
  const newest = await pruneLanding(fx.spec, "posts", process.env, { olderThanDays: 1, now: later });
  assert.deepEqual(newest, { batches: 0, objects: 0 });
  const bronzeRows = await fx.query(`SELECT count(*)::int AS n FROM "${fx.spec.bronzeSchema}".posts`);
  assert.equal(bronzeRows[0]?.n, 3);
});

test("landing retention refuses a window under one day", async () => {
  const fx = await s3Fixture();
  await assert.rejects(pruneLanding(fx.spec, "posts", process.env, { olderThanDays: 0 }), ConfigError);
});
