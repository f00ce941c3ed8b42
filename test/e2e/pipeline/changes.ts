import type mysql from "mysql2/promise";
import { formatDate, formatDateTime, makeDisplayName } from "../../../src/demo/dataset.ts";
import { Random } from "../../../src/demo/random.ts";
import { DAILY_METRICS, NETWORK_ACCOUNTS, POSTS } from "../../../src/demo/schema.ts";
import type { Shape } from "./rows.ts";

/*
 * Randomized rounds of source changes on a demo data set: inserts, updates, soft deletes (and revivals) of
 * accounts, hard deletes of posts (seen through key reconciliation), late corrections of daily metrics. Every
 * changed row is stamped after everything before it, so an incremental read finds it.
 */

/** The shapes compared by the tests: soft-deleted accounts leave bronze, posts' payload is JSON. */
export const SHAPES: Shape[] = [
  { table: NETWORK_ACCOUNTS.name, key: ["id"], columns: NETWORK_ACCOUNTS.columns, live: "is_deleted = 0" },
  { table: POSTS.name, key: ["id"], columns: POSTS.columns, json: ["payload"] },
  { table: DAILY_METRICS.name, key: ["account_id", "metric_date"], columns: DAILY_METRICS.columns },
];

/** The tables block of a spec over the demo tables that `SHAPES` describes. */
export const TABLES_YAML = `tables:
  - name: network_accounts
    primary_key: [id]
    cursor: [updated_at]
    deletes: { mode: soft, column: is_deleted, value: 1 }
  - name: posts
    primary_key: [id]
    cursor: [updated_at]
    deletes: reconcile
    type_overrides: { payload: jsonb }
  - name: daily_metrics
    primary_key: [account_id, metric_date]
    cursor: [updated_at]
`;

/** One silver copy per table (every bronze column, SCD1), compared with the source like bronze. */
export const SILVER = {
  network_accounts: "accounts_copy",
  posts: "posts_copy",
  daily_metrics: "metrics_copy",
};

export const SILVER_YAML = `silver:
  - { name: accounts_copy, from: network_accounts, include_all: true }
  - { name: posts_copy, from: posts, include_all: true }
  - { name: metrics_copy, from: daily_metrics, include_all: true }
`;

const DAY_MS = 86_400_000;
/** Rounds are stamped from here on, long after the seed's last row (2025-06-30). */
const ROUNDS_START_MS = Date.UTC(2026, 0, 1);

export interface RoundSummary {
  inserted: number;
  updated: number;
  softDeleted: number;
  revived: number;
  hardDeleted: number;
}

async function ids(conn: mysql.Connection, sql: string): Promise<string[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
  return rows.map((r) => String(Object.values(r)[0]));
}

function pick<T>(rng: Random, items: T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0] as T);
  return out;
}

function payload(rng: Random): string {
  const tags = Array.from({ length: rng.int(0, 4) }, () => `#t${rng.int(1, 99)}`);
  return JSON.stringify({
    caption: rng.chance(0.3)
      ? `round caption ✨ ${rng.int(1, 9999)} "quoted", comma`
      : `plain ${rng.int(1, 99)}`,
    hashtags: tags,
    media: rng.chance(0.5) ? null : { type: "image", url: `https://cdn.example/${rng.int(1, 1e6)}.jpg` },
    metrics: { likes: rng.int(0, 5000), comments: rng.int(0, 300), shares: rng.int(0, 100) },
  });
}

/**
 * Applies round `round` of random changes (seeded by `seed` and the round, so a failure can be replayed) and
 * returns what it did. Sizes are fractions of the tables, at least one row each.
 */
export async function randomRound(
  conn: mysql.Connection,
  seed: string,
  round: number,
): Promise<RoundSummary> {
  const rng = new Random(`${seed}/round/${round}`);
  const roundMs = ROUNDS_START_MS + round * DAY_MS;
  let tick = 0;
  const stamp = () => formatDateTime(roundMs + Math.floor(tick / 1000), tick++ % 1000);
  const summary: RoundSummary = { inserted: 0, updated: 0, softDeleted: 0, revived: 0, hardDeleted: 0 };
  const exec = (sql: string, values: unknown[]) => conn.query(sql, values);

  const live = await ids(conn, "SELECT id FROM network_accounts WHERE is_deleted = 0");
  const gone = await ids(conn, "SELECT id FROM network_accounts WHERE is_deleted = 1");
  const n = Math.max(1, Math.round(live.length * 0.05));
  const [maxAccount] = await ids(conn, "SELECT MAX(id) FROM network_accounts");
  for (let i = 1; i <= n; i++) {
    await exec(
      "INSERT INTO network_accounts (id, network_account_type_id, handle, display_name, followers, verified, created_at, updated_at, is_deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
      [
        Number(maxAccount) + i,
        rng.int(1, 7),
        `new_${round}_${i}`,
        makeDisplayName(rng),
        rng.int(0, 1e6),
        rng.int(0, 1),
        stamp(),
        stamp(),
      ],
    );
    summary.inserted++;
  }
  const [changed, removed] = [pick(rng, live, n * 2), pick(rng, live, n)];
  for (const id of changed) {
    await exec(
      "UPDATE network_accounts SET followers = ?, display_name = ?, verified = ?, updated_at = ? WHERE id = ?",
      [rng.int(0, 1e7), makeDisplayName(rng), rng.int(0, 1), stamp(), id],
    );
    summary.updated++;
  }
  for (const id of removed.filter((r) => !changed.includes(r))) {
    await exec("UPDATE network_accounts SET is_deleted = 1, updated_at = ? WHERE id = ?", [stamp(), id]);
    summary.softDeleted++;
  }
  for (const id of pick(rng, gone, 2)) {
    await exec("UPDATE network_accounts SET is_deleted = 0, updated_at = ? WHERE id = ?", [stamp(), id]);
    summary.revived++;
  }

  const posts = await ids(conn, "SELECT id FROM posts");
  const p = Math.max(1, Math.round(posts.length * 0.03));
  const [maxPost] = await ids(conn, "SELECT MAX(id) FROM posts");
  for (let i = 1; i <= p; i++) {
    const account = live[rng.int(0, live.length - 1)];
    await exec(
      "INSERT INTO posts (id, account_id, network_account_type_id, posted_at, payload, engagement_rate, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [
        Number(maxPost) + i,
        account,
        rng.int(1, 7),
        stamp(),
        payload(rng),
        (rng.next() * 50).toFixed(6),
        stamp(),
      ],
    );
    summary.inserted++;
  }
  const [updatedPosts, deletedPosts] = [
    pick(rng, posts, p),
    pick(rng, posts, Math.max(1, Math.round(p / 3))),
  ];
  for (const id of updatedPosts) {
    await exec(
      "UPDATE posts SET payload = JSON_SET(payload, '$.metrics.likes', ?), updated_at = ? WHERE id = ?",
      [rng.int(0, 1e5), stamp(), id],
    );
    summary.updated++;
  }
  for (const id of deletedPosts) {
    await exec("DELETE FROM posts WHERE id = ?", [id]);
    summary.hardDeleted++;
  }

  const day = formatDate(roundMs);
  for (const account of pick(rng, live, Math.max(1, Math.round(live.length * 0.1)))) {
    await exec(
      "INSERT INTO daily_metrics (account_id, metric_date, impressions, reach, followers_delta, spend, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [
        account,
        day,
        rng.int(0, 1e6),
        rng.int(0, 1e5),
        rng.int(-500, 500),
        (rng.next() * 1000).toFixed(4),
        stamp(),
      ],
    );
    summary.inserted++;
  }
  const [late] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT account_id, metric_date FROM daily_metrics WHERE metric_date < ? ORDER BY RAND(?) LIMIT ?",
    [day, round, Math.max(1, Math.round(p / 2))],
  );
  for (const row of late) {
    await exec(
      "UPDATE daily_metrics SET impressions = ?, spend = ?, updated_at = ? WHERE account_id = ? AND metric_date = ?",
      [rng.int(0, 1e6), (rng.next() * 1000).toFixed(4), stamp(), row.account_id, row.metric_date],
    );
    summary.updated++;
  }
  return summary;
}
