import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  batchDate,
  isBatchId,
  joinKey,
  manifestKey,
  newBatchId,
  partKey,
} from "../../../src/landing/layout.ts";

describe("landing layout", () => {
  it("makes batch ids that sort by creation time", () => {
    const a = newBatchId(new Date("2026-01-02T03:04:05.006Z"));
    const b = newBatchId(new Date("2026-01-02T03:04:05.007Z"));
    assert.match(a, /^b20260102T030405006Z-[0-9a-f]{8}$/);
    assert.ok(isBatchId(a));
    assert.ok(a < b);
    assert.equal(batchDate(a), "2026-01-02");
  });

  it("rejects strings that are not batch ids", () => {
    assert.equal(isBatchId("b2026-01-02"), false);
    assert.throws(() => batchDate("nope"), /not a batch id/);
  });

  it("places parts, key files and manifests under the documented keys", () => {
    const id = "b20260102T030405006Z-0badcafe";
    assert.equal(partKey("social", "posts", id, 0), `social/posts/date=2026-01-02/${id}/part-00000.parquet`);
    assert.equal(
      partKey("social", "posts", id, 12, "keys"),
      `social/posts/date=2026-01-02/${id}/keys-00012.parquet`,
    );
    assert.equal(manifestKey("social", "posts", id), `social/posts/_manifests/${id}.json`);
  });

  it("joins prefixes without doubled or stray slashes", () => {
    assert.equal(joinKey("landing", "a/b"), "landing/a/b");
    assert.equal(joinKey("/landing/", "a"), "landing/a");
    assert.equal(joinKey("", "a"), "a");
  });
});
