import { psql } from "../lib/measure.ts";
import { TABLES } from "./source.ts";

/**
 * The raw limit of loading: psql `\copy` of the same rows (CSV exported once from the source) into a temp
 * table, then one `MERGE` into a keyed target table, in the bench warehouse's `bench_raw` schema.
 */

const SCHEMA = "bench_raw";

/** Target tables with the types a careful hand-written load would pick. */
const DDL: Record<string, string> = {
  network_account_types:
    "id integer PRIMARY KEY, code text NOT NULL, name text NOT NULL, max_caption_length integer NOT NULL, updated_at timestamp NOT NULL",
  network_accounts:
    "id bigint PRIMARY KEY, network_account_type_id integer NOT NULL, handle text NOT NULL, display_name text, followers numeric(20,0) NOT NULL, verified smallint NOT NULL, created_at timestamp NOT NULL, updated_at timestamp NOT NULL, is_deleted smallint NOT NULL",
  posts:
    "id bigint PRIMARY KEY, account_id bigint NOT NULL, network_account_type_id integer NOT NULL, posted_at timestamp NOT NULL, payload jsonb NOT NULL, engagement_rate numeric(12,6) NOT NULL, updated_at timestamp NOT NULL",
  daily_metrics:
    "account_id bigint NOT NULL, metric_date date NOT NULL, impressions bigint NOT NULL, reach bigint NOT NULL, followers_delta integer NOT NULL, spend numeric(18,4) NOT NULL, updated_at timestamp NOT NULL, PRIMARY KEY (account_id, metric_date)",
};

/** Drops and recreates the raw targets (empty, for an initial load). */
export function resetRawTargets(url: string): void {
  psql(
    url,
    [
      `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;`,
      `CREATE SCHEMA ${SCHEMA};`,
      ...TABLES.map((t) => `CREATE TABLE ${SCHEMA}.${t.name} (${DDL[t.name]});`),
    ].join("\n"),
  );
}

/**
 * `\copy` + `MERGE` of one CSV per table (columns in source order); returns seconds per table. Each table runs in
 * its own psql session, like a loader would.
 */
export function copyMerge(
  url: string,
  csv: (table: string) => string,
  columns: string[][],
): Record<string, number> {
  const seconds: Record<string, number> = {};
  TABLES.forEach((t, i) => {
    const cols = (columns[i] ?? []).map((c) => `"${c}"`);
    const on = t.key.map((k) => `b."${k}" = s."${k}"`).join(" AND ");
    const set = cols.filter((c) => !t.key.includes(c.slice(1, -1))).map((c) => `${c} = s.${c}`);
    seconds[t.name] = psql(
      url,
      `CREATE TEMP TABLE staging (LIKE ${SCHEMA}.${t.name});
       \\copy staging (${cols.join(", ")}) FROM '${csv(t.name)}' WITH (FORMAT csv)
       MERGE INTO ${SCHEMA}.${t.name} b USING staging s ON ${on}
       WHEN MATCHED THEN UPDATE SET ${set.join(", ")}
       WHEN NOT MATCHED THEN INSERT (${cols.join(", ")}) VALUES (${cols.map((c) => `s.${c}`).join(", ")});`,
    );
  });
  return seconds;
}
