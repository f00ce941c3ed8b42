import { Random } from "./random.ts";
import {
  CAPTION_WORDS,
  EMOJI,
  FIRST_NAMES,
  HANDLE_WORDS,
  HASHTAGS,
  LAST_NAMES,
  NETWORK_TYPES,
  type NetworkType,
} from "./vocabulary.ts";

/**
 * The deterministic demo data set: pure functions of (seed, scale), no database involved. Rows come out as
 * arrays in the column order of `schema.ts`, ready for a multi-row INSERT. Times are fixed (the data ends at
 * SEED_END), never read from the clock, so the same seed gives the same rows whenever it runs.
 */

/** Bump when the generated rows change for the same seed and scale: a stored seed of another version is redone. */
export const GENERATOR_VERSION = 1;

export const DEFAULT_SEED = "smelter-demo";

/** Rows per table at scale 1: a few hundred thousand in all. */
export const BASE_SIZES = { accounts: 20_000, posts: 150_000, dailyMetrics: 150_000 } as const;

/** The seeded data ends here (UTC); rounds of changes are stamped after it. */
export const SEED_END_MS = Date.UTC(2025, 5, 30);

/** The largest BIGINT UNSIGNED: one account carries it so that the pipeline's type fidelity is on show. */
export const MAX_UNSIGNED_BIGINT = "18446744073709551615";
export const MAX_FOLLOWERS_ACCOUNT_ID = 42;

const DAY_MS = 86_400_000;
const EARLIEST_ACCOUNT_MS = Date.UTC(2012, 0, 1);

export type Row = (string | number | null)[];

export interface DatasetSizes {
  networkAccountTypes: number;
  networkAccounts: number;
  posts: number;
  dailyMetrics: number;
}

/** What the generator needs from an account to derive its posts and metrics. */
export interface AccountProfile {
  id: number;
  type: NetworkType;
  createdMs: number;
  /** Follower count used for derived numbers (the stored value differs for the max-followers account). */
  followers: number;
}

/** Row counts for a scale factor; every table keeps at least a handful of rows. */
export function sizesFor(scale: number): DatasetSizes {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`demo scale must be a positive number, got ${scale}`);
  }
  return {
    networkAccountTypes: NETWORK_TYPES.length,
    networkAccounts: Math.max(50, Math.round(BASE_SIZES.accounts * scale)),
    posts: Math.max(100, Math.round(BASE_SIZES.posts * scale)),
    dailyMetrics: Math.max(100, Math.round(BASE_SIZES.dailyMetrics * scale)),
  };
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` for a time in milliseconds plus extra microseconds: DATETIME(6) without zones. */
export function formatDateTime(ms: number, micros = 0): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const fraction = String((Math.floor(ms) % 1000) * 1000 + micros).padStart(6, "0");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function networkTypeRows(): Row[] {
  return NETWORK_TYPES.map((t) => [
    t.id,
    t.code,
    t.name,
    t.maxCaptionLength,
    formatDateTime(Date.UTC(2024, 0, 1) + t.id * 3_600_000),
  ]);
}

const ACTIVE_TYPES = NETWORK_TYPES.filter((t) => t.share > 0);
const TYPE_CUMULATIVE = cumulative(ACTIVE_TYPES.map((t) => t.share));

function cumulative(weights: number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => {
    total += w;
    sums[i] = total;
  });
  return sums;
}

/** A handle in the style of the network: words and digits, sometimes an emoji. */
export function makeHandle(rng: Random, id: number): string {
  const base = `${rng.pick(HANDLE_WORDS)}${rng.chance(0.5) ? "_" : ""}${rng.pick(HANDLE_WORDS)}`;
  const suffix = rng.chance(0.6) ? String(id % 10_000) : "";
  return `${base}${suffix}${rng.chance(0.05) ? rng.pick(EMOJI) : ""}`;
}

export function makeDisplayName(rng: Random): string | null {
  if (rng.chance(0.02)) return null;
  const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
  return rng.chance(0.08) ? `${name} ${rng.pick(EMOJI)}` : name;
}

/** Followers are log-normal: median about 1.5k, a long tail of accounts with millions. */
export function drawFollowers(rng: Random): number {
  return Math.min(600_000_000, Math.round(rng.logNormal(Math.log(1500), 2.2)));
}

/** One account as profile + row. `nowMs` bounds its timestamps. */
export function makeAccount(rng: Random, id: number, nowMs: number): { profile: AccountProfile; row: Row } {
  const type = ACTIVE_TYPES[rng.weightedIndex(TYPE_CUMULATIVE)] as NetworkType;
  const createdMs =
    EARLIEST_ACCOUNT_MS + Math.floor(rng.next() * (nowMs - 30 * DAY_MS - EARLIEST_ACCOUNT_MS));
  const followers = drawFollowers(rng);
  const verified = rng.chance(Math.min(0.9, 0.01 + followers / 2_000_000)) ? 1 : 0;
  // Recently active accounts are updated more often: skew updated_at towards the end of the range.
  const updatedMs = createdMs + Math.floor((1 - rng.next() ** 3) * (nowMs - createdMs));
  const storedFollowers = id === MAX_FOLLOWERS_ACCOUNT_ID ? MAX_UNSIGNED_BIGINT : followers;
  const row: Row = [
    id,
    type.id,
    makeHandle(rng, id),
    makeDisplayName(rng),
    storedFollowers,
    verified,
    formatDateTime(createdMs, rng.int(0, 999)),
    formatDateTime(updatedMs, rng.int(0, 999)),
    rng.chance(0.01) ? 1 : 0,
  ];
  return { profile: { id, type, createdMs, followers }, row };
}

/** Generates every account; the profiles stay in memory because posts and metrics derive from them. */
export function generateAccounts(seed: string, count: number): { profiles: AccountProfile[]; rows: Row[] } {
  const rng = new Random(`${seed}/accounts`);
  const profiles: AccountProfile[] = [];
  const rows: Row[] = [];
  for (let id = 1; id <= count; id++) {
    const account = makeAccount(rng, id, SEED_END_MS);
    profiles.push(account.profile);
    rows.push(account.row);
  }
  return { profiles, rows };
}

function makeCaption(rng: Random, type: NetworkType, hashtags: string[]): string {
  const words: string[] = [];
  const length = rng.int(3, 18);
  for (let i = 0; i < length; i++) words.push(rng.pick(CAPTION_WORDS));
  if (rng.chance(0.3)) words.push(rng.pick(EMOJI));
  const caption = `${words.join(" ")} ${hashtags.map((h) => `#${h}`).join(" ")}`.trim();
  return caption.slice(0, type.maxCaptionLength);
}

const MEDIA_SIZES: Record<string, [number, number]> = {
  image: [1080, 1350],
  carousel: [1080, 1080],
  reel: [1080, 1920],
  video: [1920, 1080],
  short: [1080, 1920],
  document: [1240, 1754],
};

/** The JSON payload of a post: caption, hashtags, media (null for text posts) and engagement counters. */
export function makePayload(
  rng: Random,
  account: AccountProfile,
  postId: number,
): { payload: string; rate: string } {
  const hashtagCount = Math.min(8, Math.floor(rng.logNormal(0, 1)));
  const hashtags: string[] = [];
  for (let i = 0; i < hashtagCount; i++) hashtags.push(rng.pick(HASHTAGS));
  const mediaType = rng.pick(account.type.media);
  const size = MEDIA_SIZES[mediaType];
  const media = size
    ? {
        type: mediaType,
        url: `https://cdn.example.com/${account.type.code}/${account.id}/${postId}.${mediaType === "image" ? "jpg" : "mp4"}`,
        width: size[0],
        height: size[1],
      }
    : null;
  const engagement = Math.min(0.5, rng.logNormal(Math.log(0.02), 0.9));
  const likes = Math.round(account.followers * engagement * 0.9);
  const comments = Math.round(likes * rng.logNormal(Math.log(0.04), 0.6));
  const shares = Math.round(likes * rng.logNormal(Math.log(0.015), 0.8));
  const payload = JSON.stringify({
    caption: makeCaption(rng, account.type, hashtags),
    hashtags,
    media,
    metrics: { likes, comments, shares },
  });
  const rate = Math.min(999_999, (likes + comments + shares) / Math.max(1, account.followers)).toFixed(6);
  return { payload, rate };
}

/** One post row; `windowStartMs` bounds how far back it was posted. */
export function makePost(
  rng: Random,
  account: AccountProfile,
  postId: number,
  windowStartMs: number,
  endMs: number,
): Row {
  const fromMs = Math.max(account.createdMs, windowStartMs);
  const postedMs = fromMs + Math.floor(rng.next() * (endMs - fromMs));
  const updatedMs = Math.min(endMs, postedMs + Math.floor(rng.next() ** 4 * 30 * DAY_MS));
  const { payload, rate } = makePayload(rng, account, postId);
  return [
    postId,
    account.id,
    account.type.id,
    formatDateTime(postedMs, rng.int(0, 999)),
    payload,
    rate,
    formatDateTime(updatedMs, rng.int(0, 999)),
  ];
}

/**
 * Posts, skewed over accounts: an account's chance to author a post grows with the square root of its followers
 * times a log-normal activity factor, so a few accounts write most posts and many write none.
 */
export function* generatePosts(seed: string, accounts: AccountProfile[], count: number): Generator<Row> {
  const rng = new Random(`${seed}/posts`);
  const weights = cumulative(accounts.map((a) => Math.sqrt(a.followers + 10) * rng.logNormal(0, 1.2)));
  const windowStartMs = SEED_END_MS - 730 * DAY_MS;
  for (let id = 1; id <= count; id++) {
    const account = accounts[rng.weightedIndex(weights)] as AccountProfile;
    yield makePost(rng, account, id, windowStartMs, SEED_END_MS);
  }
}

/** One daily_metrics row of an account for a day (UTC midnight in ms). */
export function makeDailyMetric(rng: Random, account: AccountProfile, dayMs: number, updatedMs: number): Row {
  const impressions = Math.round(account.followers * rng.logNormal(Math.log(0.3), 0.8));
  const reach = Math.round(impressions * (0.4 + 0.5 * rng.next()));
  const followersDelta = Math.round(
    rng.normal() * Math.sqrt(account.followers) * 0.5 + account.followers * 0.001,
  );
  const spend = rng.chance(0.7) ? "0.0000" : rng.logNormal(Math.log(50), 1.2).toFixed(4);
  return [
    account.id,
    formatDate(dayMs),
    impressions,
    reach,
    Math.max(-2_000_000_000, Math.min(2_000_000_000, followersDelta)),
    spend,
    formatDateTime(updatedMs, rng.int(0, 999)),
  ];
}

/**
 * Daily metrics: accounts in a shuffled order each report a run of consecutive days (log-normal length, median
 * five) ending on a recent day; accounts are revisited further back in time until the row count is reached.
 */
export function* generateDailyMetrics(
  seed: string,
  accounts: AccountProfile[],
  count: number,
): Generator<Row> {
  const rng = new Random(`${seed}/daily_metrics`);
  const order = accounts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const nextEndDay = new Map<number, number>();
  let produced = 0;
  while (produced < count) {
    const producedBefore = produced;
    for (const index of order) {
      const account = accounts[index] as AccountProfile;
      const firstDayMs = Math.floor(account.createdMs / DAY_MS) * DAY_MS;
      let endMs = nextEndDay.get(index) ?? SEED_END_MS - rng.int(1, 14) * DAY_MS;
      const days = Math.min(120, 1 + Math.floor(rng.logNormal(Math.log(5), 1)));
      for (let d = 0; d < days && produced < count && endMs >= firstDayMs; d++) {
        const updatedMs = Math.min(SEED_END_MS, endMs + DAY_MS + rng.int(0, 20) * 3_600_000);
        yield makeDailyMetric(rng, account, endMs, updatedMs);
        produced++;
        endMs -= DAY_MS;
      }
      nextEndDay.set(index, endMs);
      if (produced >= count) return;
    }
    // Every account's history is used up: a tiny scale cannot reach the count, stop rather than loop.
    if (produced === producedBefore) return;
  }
}
