import assert from "node:assert/strict";
import { test } from "node:test";
import { actionRequest, parseValues } from "../../../src/runtime/actions.ts";
import { describeAction } from "../../../src/runtime/describe.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { tableSpec } from "../../integration/support.ts";

const spec = {
  name: "social",
  bronzeSchema: "social_bronze",
  silverSchema: "social_silver",
  tables: [
    tableSpec({ name: "posts", chunkSize: 1000 }),
    tableSpec({ name: "tags", mode: "full", cursor: [] }),
    tableSpec({ name: "likes", mode: "cdc", cursor: [] }),
  ],
  silver: [{ name: "posts_flat", from: "posts", key: ["id"], includeAll: true, columns: [], scd: 2 }],
} as unknown as PipelineSpec;

const watermark = {
  batchId: "b1",
  watermark: ["2026-01-01 00:00:00"],
  runs: 3,
  loading: false,
  updatedAt: "",
};

test("a re-sync says what it reads, that bronze converges with deletes, and who merges the changes", () => {
  const text = describeAction(spec, { kind: "resync", table: "posts" }, { watermark });
  assert.match(
    text,
    /^Re-sync table posts of pipeline social: read every row of posts from source src again/,
  );
  assert.match(text, /in key-range chunks of 1000 rows, then all its primary keys/);
  assert.match(text, /rows the source no longer has are deleted/);
  assert.match(text, /Then silver model posts_flat merges those changes\./);
  assert.match(text, /The watermark \(now 2026-01-01 00:00:00\) is set to the source's highest updated_at/);
  assert.doesNotMatch(describeAction(spec, { kind: "resync", table: "tags" }), /watermark/);
});

test("a re-sync of a cdc table says the log is drained from its head read before the first chunk", () => {
  const text = describeAction(spec, { kind: "resync", table: "likes" });
  assert.match(
    text,
    /The log's position is set to its head, read before the first chunk, and the log is drained/,
  );
});

test("a backfill names its range and says the watermark stays and deletes are not seen", () => {
  const text = describeAction(spec, {
    kind: "backfill",
    table: "posts",
    range: { by: "key", from: [10], to: null },
  });
  assert.match(text, /rows whose id is at or after 10 from source src again, in one snapshot/);
  assert.match(text, /running it twice adds nothing/);
  assert.match(text, /The watermark does not move\. Rows deleted at the source are not seen/);
});

test("watermarks and rebuilds say what changes now and what the next run does", () => {
  assert.match(
    describeAction(spec, { kind: "reset_watermark", table: "posts" }),
    /the next extract loads the whole table again in key-range chunks with its key set/,
  );
  assert.match(
    describeAction(spec, { kind: "reset_watermark", table: "tags" }),
    /^Reset the load of full table tags/,
  );
  assert.match(
    describeAction(spec, { kind: "rebuild_silver", model: "posts_flat" }),
    /in one transaction, empty silver table social_silver\.posts_flat.* Its SCD2 history is lost/,
  );
});

test("actions are checked against the spec before anything runs", () => {
  assert.throws(() => actionRequest(spec, { kind: "resync", table: "nope" }), /has no table nope/);
  assert.throws(
    () => actionRequest(spec, { kind: "set_watermark", table: "tags", watermark: ["x"] }),
    /read in full mode: it has no watermark to set/,
  );
  assert.throws(
    () =>
      actionRequest(spec, { kind: "backfill", table: "tags", range: { by: "cursor", from: null, to: null } }),
    /has no cursor \(mode full\); backfill it by key/,
  );
  assert.deepEqual(actionRequest(spec, { kind: "resync", table: "posts" }), {
    pipeline: "social",
    step: "extract",
    table: "posts",
    mode: { kind: "resync" },
    downstream: true,
  });
});

test("typed values: one value, a JSON array for several columns, nothing when empty", () => {
  assert.deepEqual(parseValues("2026-01-01 00:00:00", "--from"), ["2026-01-01 00:00:00"]);
  assert.deepEqual(parseValues('["2026-01-01", 7]', "--from"), ["2026-01-01", 7]);
  assert.equal(parseValues(" ", "--from"), null);
  assert.throws(() => parseValues("[1,", "--to"), /--to \[1, is not a JSON array/);
});
