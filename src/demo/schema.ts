/**
 * Tables of the demo source database (MariaDB `social`): a social-media analytics product with network account
 * types, accounts, posts with JSON payloads and daily metrics. Every table carries an indexed `updated_at`
 * DATETIME(6), the cursor of the example pipeline.
 */

/** A demo table: its DDL and the column order the generator produces rows in. */
export interface DemoTable {
  name: string;
  columns: string[];
  ddl: string;
}

/**
 * A demo table from the definitions of its CREATE TABLE, one a line: its columns are the defined columns in
 * order (key definitions start with KEY or PRIMARY KEY).
 */
function demoTable(name: string, definitions: string[]): DemoTable {
  return {
    name,
    columns: definitions.filter((d) => !/^(PRIMARY )?KEY /.test(d)).map((d) => d.split(" ")[0] as string),
    ddl: `CREATE TABLE ${name} (\n  ${definitions.join(",\n  ")}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  };
}

export const NETWORK_ACCOUNT_TYPES = demoTable("network_account_types", [
  "id SMALLINT UNSIGNED NOT NULL PRIMARY KEY",
  "code VARCHAR(32) NOT NULL UNIQUE",
  "name VARCHAR(64) NOT NULL",
  "max_caption_length INT NOT NULL",
  "updated_at DATETIME(6) NOT NULL",
  "KEY ix_network_account_types_updated_at (updated_at)",
]);

export const NETWORK_ACCOUNTS = demoTable("network_accounts", [
  "id BIGINT UNSIGNED NOT NULL PRIMARY KEY",
  "network_account_type_id SMALLINT UNSIGNED NOT NULL",
  "handle VARCHAR(64) NOT NULL",
  "display_name VARCHAR(128) NULL",
  "followers BIGINT UNSIGNED NOT NULL",
  "verified TINYINT(1) NOT NULL DEFAULT 0",
  "created_at DATETIME(6) NOT NULL",
  "updated_at DATETIME(6) NOT NULL",
  "is_deleted TINYINT(1) NOT NULL DEFAULT 0",
  "KEY ix_network_accounts_updated_at (updated_at)",
  "KEY ix_network_accounts_type (network_account_type_id)",
]);

export const POSTS = demoTable("posts", [
  "id BIGINT UNSIGNED NOT NULL PRIMARY KEY",
  "account_id BIGINT UNSIGNED NOT NULL",
  "network_account_type_id SMALLINT UNSIGNED NOT NULL",
  "posted_at DATETIME(6) NOT NULL",
  "payload JSON NOT NULL",
  "engagement_rate DECIMAL(12,6) NOT NULL",
  "updated_at DATETIME(6) NOT NULL",
  "KEY ix_posts_updated_at (updated_at)",
  "KEY ix_posts_account (account_id)",
]);

export const DAILY_METRICS = demoTable("daily_metrics", [
  "account_id BIGINT UNSIGNED NOT NULL",
  "metric_date DATE NOT NULL",
  "impressions BIGINT UNSIGNED NOT NULL",
  "reach BIGINT UNSIGNED NOT NULL",
  "followers_delta INT NOT NULL",
  "spend DECIMAL(18,4) NOT NULL",
  "updated_at DATETIME(6) NOT NULL",
  "PRIMARY KEY (account_id, metric_date)",
  "KEY ix_daily_metrics_updated_at (updated_at)",
]);

/** The data tables in load order. */
export const DEMO_TABLES: readonly DemoTable[] = [
  NETWORK_ACCOUNT_TYPES,
  NETWORK_ACCOUNTS,
  POSTS,
  DAILY_METRICS,
];

/**
 * Bookkeeping of the demo itself, beside the data: which seed is loaded (so that seeding again can be skipped)
 * and which rounds of changes were applied (so that applying a round twice changes nothing).
 */
export const SEED_MARKER_DDL = `CREATE TABLE IF NOT EXISTS _demo_seed (
  id TINYINT NOT NULL PRIMARY KEY,
  generator_version INT NOT NULL,
  seed VARCHAR(128) NOT NULL,
  scale DOUBLE NOT NULL,
  sizes JSON NOT NULL,
  content_hash CHAR(64) NOT NULL,
  seeded_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

export const ROUNDS_DDL = `CREATE TABLE IF NOT EXISTS _demo_rounds (
  round INT NOT NULL PRIMARY KEY,
  summary JSON NOT NULL,
  applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
