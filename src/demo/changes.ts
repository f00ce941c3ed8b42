import type mysql from "mysql2/promise";
import { ConfigError } from "../errors.ts";
import {
  type AccountProfile,
  type DatasetSizes,
  formatDate,
  formatDateTime,
  MAX_FOLLOWERS_ACCOUNT_ID,
  makeAccount,
  makeDailyMetric,
  makeDisplayName,
  makeHandle,
  makePost,
  type Row,
  SEED_END_MS,
} from "./dataset.ts";
import { Random } from "./random.ts";
import { DAILY_METRICS, NETWORK_ACCOUNTS, POSTS, ROUNDS_DDL } from "./schema.ts";
import { insertRows, loadedSeed } from "./seed.ts";
import { LANGUAGES, NETWORK_TYPES, NEW_NETWORKS, type NetworkType } from "./vocabulary.ts";

/** What one round did to one table. */
export interface TableChanges {
  inserted: number;
  updated: number;
  /** Rows flagged `is_deleted = 1` (visible to a cursor). */
  softDeleted: number;
  /** Rows removed (invisible to a cursor; key reconciliation finds them). */
  deleted: number;
}

export interface ChangeSummary {
  round: number;
  /** True when this round had been applied before: nothing was changed and the stored summary is returned. */
  alreadyApplied: boolean;
  /** `table.column` names this round added to the source schema. */
  addedColumns: string[];
  tables: Record<string, TableChanges>;
}

const DAY_MS = 86_400_000;

/** Share of each table's seeded size that one round touches. */
const RATES = {
  accountsInserted: 0.01,
  accountsUpdated: 0.025,
  accountsSoftDeleted: 0.005,
  postsInserted: 0.013,
  postsUpdated: 0.01,
  metricsInserted: 0.007,
  metricsUpdated: 0.003,
} as const;

/** The round after the last applied one (1 on a fresh seed). */
export async function nextRound(conn: mysql.Connection): Promise<number> {
  await conn.query(ROUNDS_DDL);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT COALESCE(MAX(round), 0) + 1 AS next FROM _demo_rounds",
  );
  return Number(rows[0]?.next ?? 1);
}

/**
 * What the changes of one round work with: the connection (in the round's transaction), the round's random
 * stream, the seed's table sizes, the round number and its time, and `stamp`, which gives every changed row its
 * own, later timestamp.
 */
interface Round {
  conn: mysql.Connection;
  rng: Random;
  sizes: DatasetSizes;
  round: number;
  roundMs: number;
  stamp: () => string;
}

/**
 * Applies round `round` of source changes to the seeded demo database: inserts, updates that bump `updated_at`,
 * soft deletes of accounts, hard deletes of network types, and (once) the new column `posts.language`, filled for
 * every post the round touches. Deterministic for a given seed and sequence of rounds; rows of round N are stamped
 * on day N after the seed's end, so they sort after everything before them. A round applied before is not applied
 * again. Rounds must be applied in order.
 */
export async function applyChanges(conn: mysql.Connection, round: number): Promise<ChangeSummary> {
  const seed = await loadedSeed(conn);
  if (!seed) throw new ConfigError("the demo database is not seeded; run `smelter demo seed` first");
  const expected = await nextRound(conn);
  if (round < expected) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT summary FROM _demo_rounds WHERE round = ?",
      [round],
    );
    const stored = rows[0]?.summary;
    const summary = (typeof stored === "string" ? JSON.parse(stored) : stored) as ChangeSummary;
    return { ...summary, alreadyApplied: true };
  }
  if (round > expected) {
    throw new ConfigError(`round ${round} cannot be applied before round ${expected}; rounds apply in order`);
  }
  const sizes = (typeof seed.sizes === "string" ? JSON.parse(seed.sizes) : seed.sizes) as DatasetSizes;
  const rng = new Random(`${seed.seed}/round/${round}`);
  const roundMs = SEED_END_MS + round * DAY_MS;
  let tick = 0;
  // Every changed row gets its own, later timestamp: the order of changes is the order of cursor values.
  const stamp = () => formatDateTime(roundMs + Math.floor(tick / 1000), tick++ % 1000);
  const r: Round = { conn, rng, sizes, round, roundMs, stamp };

  // DDL commits implicitly in MariaDB, so the new column is added before the round's transaction.
  const addedColumns = (await addLanguageColumn(conn)) ? ["posts.language"] : [];
  await conn.beginTransaction();
  try {
    const tables: Record<string, TableChanges> = {
      network_account_types: await changeNetworkTypes(r),
      network_accounts: await changeAccounts(r),
      posts: await changePosts(r),
      daily_metrics: await changeDailyMetrics(r),
    };
    const summary: ChangeSummary = { round, alreadyApplied: false, addedColumns, tables };
    await conn.query(
      "INSERT INTO _demo_rounds (round, summary, applied_at) VALUES (?, ?, UTC_TIMESTAMP(6))",
      [round, JSON.stringify(summary)],
    );
    await conn.commit();
    return summary;
  } catch (error) {
    await conn.rollback();
    throw error;
  }
}

async function addLanguageColumn(conn: mysql.Connection): Promise<boolean> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'posts' AND column_name = 'language'",
  );
  if (rows.length > 0) return false;
  await conn.query("ALTER TABLE posts ADD COLUMN language VARCHAR(8) NULL");
  return true;
}

function none(): TableChanges {
  return { inserted: 0, updated: 0, softDeleted: 0, deleted: 0 };
}

async function maxId(conn: mysql.Connection, table: string): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT COALESCE(MAX(id), 0) AS id FROM \`${table}\``,
  );
  return Number(rows[0]?.id ?? 0);
}

/** `count` distinct integers in [1, max] (fewer when the range is small), excluding `skip`. */
function distinctIds(rng: Random, count: number, max: number, skip: Set<number> = new Set()): number[] {
  const chosen = new Set<number>();
  const wanted = Math.min(count, Math.max(0, max - skip.size));
  while (chosen.size < wanted) {
    const id = rng.int(1, max);
    if (!skip.has(id)) chosen.add(id);
  }
  return [...chosen];
}

/** The newest network is retired (hard delete: only reconciliation sees it), a new one joins, one is edited. */
async function changeNetworkTypes({ conn, round, stamp }: Round): Promise<TableChanges> {
  const changes = none();
  const newest = await maxId(conn, "network_account_types");
  const [deleted] = await conn.query<mysql.ResultSetHeader>(
    "DELETE FROM network_account_types WHERE id = ?",
    [newest],
  );
  changes.deleted = deleted.affectedRows;
  const joining = NEW_NETWORKS[(round - 1) % NEW_NETWORKS.length] as (typeof NEW_NETWORKS)[number];
  const code = round > NEW_NETWORKS.length ? `${joining.code}_${round}` : joining.code;
  await conn.query(
    "INSERT INTO network_account_types (id, code, name, max_caption_length, updated_at) VALUES (?, ?, ?, ?, ?)",
    [newest + 1, code, joining.name, joining.maxCaptionLength, stamp()],
  );
  changes.inserted = 1;
  const edited = NETWORK_TYPES[(round - 1) % 7] as NetworkType;
  const [updated] = await conn.query<mysql.ResultSetHeader>(
    "UPDATE network_account_types SET max_caption_length = max_caption_length + 10, updated_at = ? WHERE id = ?",
    [stamp(), edited.id],
  );
  changes.updated = updated.affectedRows;
  return changes;
}

async function changeAccounts({ conn, rng, sizes, roundMs, stamp }: Round): Promise<TableChanges> {
  const changes = none();
  const last = await maxId(conn, "network_accounts");
  const newRows: Row[] = [];
  const insertCount = Math.max(1, Math.round(sizes.networkAccounts * RATES.accountsInserted));
  for (let id = last + 1; id <= last + insertCount; id++) {
    const { row } = makeAccount(rng, id, roundMs);
    row[6] = formatDateTime(roundMs - rng.int(1, 20) * 3_600_000);
    row[7] = stamp();
    row[8] = 0;
    newRows.push(row);
  }
  changes.inserted = await insertRows(conn, NETWORK_ACCOUNTS, newRows);

  const fixed = new Set([MAX_FOLLOWERS_ACCOUNT_ID]);
  const updateIds = distinctIds(rng, Math.round(sizes.networkAccounts * RATES.accountsUpdated), last, fixed);
  for (const id of updateIds) {
    const kind = rng.next();
    const [sql, params]: [string, unknown[]] =
      kind < 0.7
        ? ["followers = ROUND(followers * ?)", [(1 + rng.normal() * 0.05 + 0.02).toFixed(4)]]
        : kind < 0.85
          ? ["display_name = ?", [makeDisplayName(rng)]]
          : kind < 0.95
            ? ["verified = 1 - verified", []]
            : ["handle = ?", [makeHandle(rng, id)]];
    const [result] = await conn.query<mysql.ResultSetHeader>(
      `UPDATE network_accounts SET ${sql}, updated_at = ? WHERE id = ?`,
      [...params, stamp(), id],
    );
    changes.updated += result.affectedRows;
  }

  const skip = new Set([...fixed, ...updateIds]);
  const deleteIds = distinctIds(
    rng,
    Math.round(sizes.networkAccounts * RATES.accountsSoftDeleted),
    last,
    skip,
  );
  for (const id of deleteIds) {
    const [result] = await conn.query<mysql.ResultSetHeader>(
      "UPDATE network_accounts SET is_deleted = 1, updated_at = ? WHERE id = ? AND is_deleted = 0",
      [stamp(), id],
    );
    changes.softDeleted += result.affectedRows;
  }
  return changes;
}

async function accountProfiles(conn: mysql.Connection, ids: number[]): Promise<AccountProfile[]> {
  if (ids.length === 0) return [];
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT id, network_account_type_id, followers, created_at FROM network_accounts WHERE id IN (?) ORDER BY id",
    [ids],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    type:
      NETWORK_TYPES.find((t) => t.id === Number(r.network_account_type_id)) ??
      (NETWORK_TYPES[0] as NetworkType),
    createdMs: Date.parse(`${String(r.created_at).replace(" ", "T")}Z`),
    followers: Number(r.id) === MAX_FOLLOWERS_ACCOUNT_ID ? 1_000_000 : Number(r.followers),
  }));
}

async function changePosts({ conn, rng, sizes, roundMs, stamp }: Round): Promise<TableChanges> {
  const changes = none();
  const lastAccount = await maxId(conn, "network_accounts");
  const authors = await accountProfiles(conn, distinctIds(rng, 400, lastAccount));
  const last = await maxId(conn, "posts");
  const newRows: Row[] = [];
  const insertCount = Math.max(1, Math.round(sizes.posts * RATES.postsInserted));
  for (let id = last + 1; id <= last + insertCount && authors.length > 0; id++) {
    const author = rng.pick(authors);
    const row = makePost(rng, author, id, roundMs - DAY_MS, roundMs);
    row[6] = stamp();
    newRows.push([...row, rng.pick(LANGUAGES)]);
  }
  const withLanguage = { ...POSTS, columns: [...POSTS.columns, "language"] };
  changes.inserted = await insertRows(conn, withLanguage, newRows);

  for (const id of distinctIds(rng, Math.round(sizes.posts * RATES.postsUpdated), last)) {
    const growth = 1 + rng.next() * 0.3;
    const [result] = await conn.query<mysql.ResultSetHeader>(
      `UPDATE posts SET
         payload = JSON_SET(payload,
           '$.metrics.likes', CAST(ROUND(CAST(JSON_VALUE(payload, '$.metrics.likes') AS UNSIGNED) * ?) AS UNSIGNED),
           '$.metrics.comments', CAST(JSON_VALUE(payload, '$.metrics.comments') AS UNSIGNED) + ?),
         engagement_rate = LEAST(999999, ROUND(engagement_rate * ?, 6)),
         language = ?, updated_at = ?
       WHERE id = ?`,
      [growth.toFixed(4), rng.int(0, 5), growth.toFixed(4), rng.pick(LANGUAGES), stamp(), id],
    );
    changes.updated += result.affectedRows;
  }
  return changes;
}

async function changeDailyMetrics({ conn, rng, sizes, round, stamp }: Round): Promise<TableChanges> {
  const changes = none();
  const lastAccount = await maxId(conn, "network_accounts");
  // Each round reports one new day (the day before the round's timestamps) for a sample of accounts.
  const dayMs = SEED_END_MS + (round - 1) * DAY_MS;
  const reporting = await accountProfiles(
    conn,
    distinctIds(rng, Math.round(sizes.dailyMetrics * RATES.metricsInserted), lastAccount),
  );
  const newRows = reporting.map((account) => {
    const row = makeDailyMetric(rng, account, dayMs, dayMs);
    row[6] = stamp();
    return row;
  });
  changes.inserted = await insertRows(conn, DAILY_METRICS, newRows);

  // Late corrections: the latest reported day of some accounts is revised upwards.
  for (const accountId of distinctIds(
    rng,
    Math.round(sizes.dailyMetrics * RATES.metricsUpdated),
    lastAccount,
  )) {
    const [result] = await conn.query<mysql.ResultSetHeader>(
      `UPDATE daily_metrics SET impressions = impressions + ?, reach = reach + ?, updated_at = ?
       WHERE account_id = ? AND metric_date < ? ORDER BY metric_date DESC LIMIT 1`,
      [rng.int(10, 500), rng.int(5, 200), stamp(), accountId, formatDate(dayMs)],
    );
    changes.updated += result.affectedRows;
  }
  return changes;
}
