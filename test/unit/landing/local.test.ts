import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { listManifestIds, openLandingZone, readManifest, writeManifest } from "../../../src/landing/index.ts";
import type { BatchManifest, LandingZone } from "../../../src/landing/types.ts";

function manifest(batchId: string): BatchManifest {
  return {
    format: "smelter.manifest/v1",
    batchId,
    pipeline: "p",
    table: "t",
    source: { name: "src", kind: "mariadb", snapshot: {} },
    mode: "incremental",
    createdAt: new Date().toISOString(),
    primaryKey: ["id"],
    cursor: ["updated_at"],
    watermark: { from: null, to: ["2026-01-01 00:00:00"], lagSeconds: 0 },
    schema: { columns: [], fingerprint: "x", added: [], removed: [] },
    files: [],
    rows: 0,
  };
}

describe("local landing zone", () => {
  let dir: string;
  let zone: LandingZone;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "smelter-landing-"));
    zone = openLandingZone({ name: "landing", kind: "local", path: dir, prefix: "landing" });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stores files under the prefix and leaves no temporary files", async () => {
    const src = join(dir, "src.bin");
    await writeFile(src, "hello");
    assert.deepEqual(await zone.putFile("p/t/a.bin", src), { bytes: 5 });
    assert.equal(Buffer.from((await zone.getBytes("p/t/a.bin")) ?? []).toString(), "hello");
    assert.deepEqual(await readdir(join(dir, "landing", "p", "t")), ["a.bin"]);
    assert.equal(zone.url, `file://${dir}/landing`);
  });

  it("returns null for a missing object", async () => {
    assert.equal(await zone.getBytes("p/t/missing"), null);
  });

  it("lists keys in order, after a given key", async () => {
    await zone.putBytes("p/u/b", "2");
    await zone.putBytes("p/u/a", "1");
    await zone.putBytes("p/u/c/d", "3");
    const all = [];
    for await (const e of zone.list("p/u/")) all.push(e.key);
    assert.deepEqual(all, ["p/u/a", "p/u/b", "p/u/c/d"]);
    const later = [];
    for await (const e of zone.list("p/u/", { startAfter: "p/u/a" })) later.push(e.key);
    assert.deepEqual(later, ["p/u/b", "p/u/c/d"]);
    await zone.delete(["p/u/a"]);
    assert.equal(await zone.getBytes("p/u/a"), null);
  });

  it("writes and lists manifests in batch order", async () => {
    const ids = [
      "b20260101T000000000Z-00000002",
      "b20260101T000000000Z-00000001",
      "b20260102T000000000Z-00000000",
    ];
    for (const id of ids) await writeManifest(zone, manifest(id));
    assert.deepEqual(await listManifestIds(zone, "p", "t"), [...ids].sort());
    assert.deepEqual(await listManifestIds(zone, "p", "t", { after: ids[0] }), [ids[2]]);
    assert.equal((await readManifest(zone, "p", "t", ids[1] as string))?.batchId, ids[1]);
    assert.equal(await readManifest(zone, "p", "t", "b20300101T000000000Z-00000000"), null);
  });
});
