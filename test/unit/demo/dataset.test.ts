import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  generateAccounts,
  generateDailyMetrics,
  generatePosts,
  MAX_FOLLOWERS_ACCOUNT_ID,
  MAX_UNSIGNED_BIGINT,
  SEED_END_MS,
  sizesFor,
} from "../../../src/demo/dataset.ts";
import { Random } from "../../../src/demo/random.ts";
import { datasetHash } from "../../../src/demo/seed.ts";

const SCALE = 0.05;

describe("demo random generator", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const a = new Random("s");
    const b = new Random("s");
    const c = new Random("t");
    const seqA = Array.from({ length: 50 }, () => a.next());
    assert.deepEqual(
      seqA,
      Array.from({ length: 50 }, () => b.next()),
    );
    assert.notDeepEqual(
      seqA,
      Array.from({ length: 50 }, () => c.next()),
    );
    assert.ok(seqA.every((x) => x >= 0 && x < 1));
  });

  it("draws integers within both bounds", () => {
    const rng = new Random("ints");
    const seen = new Set(Array.from({ length: 1000 }, () => rng.int(3, 7)));
    assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
  });
});

describe("demo data set", () => {
  it("is identical for the same seed and scale, and differs for another seed", () => {
    const first = datasetHash("unit", SCALE);
    assert.deepEqual(datasetHash("unit", SCALE), first);
    assert.notEqual(datasetHash("other", SCALE).hash, first.hash);
  });

  it("has the row counts of its scale", () => {
    const sizes = sizesFor(SCALE);
    const { rows } = datasetHash("unit", SCALE);
    assert.deepEqual(rows, {
      network_account_types: sizes.networkAccountTypes,
      network_accounts: sizes.networkAccounts,
      posts: sizes.posts,
      daily_metrics: sizes.dailyMetrics,
    });
    assert.equal(sizesFor(1).networkAccounts, 20_000);
    assert.throws(() => sizesFor(0), /positive/);
  });

  it("draws followers from a heavy-tailed distribution and keeps one account at the BIGINT UNSIGNED maximum", () => {
    const { profiles, rows } = generateAccounts("unit", 5000);
    const followers = profiles.map((p) => p.followers).sort((x, y) => x - y);
    const median = followers[followers.length >> 1] as number;
    const mean = followers.reduce((s, f) => s + f, 0) / followers.length;
    assert.ok(median > 500 && median < 5000, `median ${median}`);
    assert.ok(mean > 3 * median, `mean ${mean} vs median ${median}`);
    assert.ok((followers.at(-1) as number) > 1_000_000);
    assert.equal(rows[MAX_FOLLOWERS_ACCOUNT_ID - 1]?.[4], MAX_UNSIGNED_BIGINT);
    const handles = rows.map((r) => String(r[2]));
    assert.ok(
      handles.some((h) => /\p{Extended_Pictographic}/u.test(h)),
      "some handles carry emoji",
    );
  });

  it("spreads posts unevenly: a tenth of the accounts write most posts", () => {
    const { profiles } = generateAccounts("unit", 2000);
    const perAccount = new Map<number, number>();
    let total = 0;
    for (const row of generatePosts("unit", profiles, 20_000)) {
      perAccount.set(Number(row[1]), (perAccount.get(Number(row[1])) ?? 0) + 1);
      total++;
    }
    const counts = [...perAccount.values()].sort((x, y) => y - x);
    const topTenth = counts.slice(0, 200).reduce((s, n) => s + n, 0);
    assert.ok(topTenth / total > 0.4, `top 10% wrote ${topTenth / total}`);
    assert.ok(perAccount.size < 2000, "some accounts never post");
  });

  it("writes post payloads as JSON with caption, hashtags, media and metrics, stamped before the seed's end", () => {
    const { profiles } = generateAccounts("unit", 200);
    for (const row of generatePosts("unit", profiles, 500)) {
      const payload = JSON.parse(String(row[4]));
      assert.equal(typeof payload.caption, "string");
      assert.ok(Array.isArray(payload.hashtags));
      assert.ok(payload.media === null || typeof payload.media.type === "string");
      assert.equal(typeof payload.metrics.likes, "number");
      assert.match(String(row[5]), /^\d+\.\d{6}$/);
      assert.ok(
        String(row[6]) <= new Date(SEED_END_MS).toISOString().replace("T", " ").slice(0, 19) + ".999999",
      );
    }
  });

  it("never repeats a daily_metrics key", () => {
    const { profiles } = generateAccounts("unit", 300);
    const keys = new Set<string>();
    let n = 0;
    for (const row of generateDailyMetrics("unit", profiles, 3000)) {
      keys.add(`${row[0]}/${row[1]}`);
      n++;
    }
    assert.equal(n, 3000);
    assert.equal(keys.size, 3000);
  });
});
