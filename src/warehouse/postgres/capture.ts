import type { ClientBase } from "pg";
import { ConfigError } from "../../errors.ts";
import { quoteIdent, quoteLiteral } from "./sql.ts";
import { CHANGE_TYPE, COMMIT_TIMESTAMP, COMMIT_VERSION } from "./tables.ts";

/**
 * How a bronze commit learns what its writes changed. PostgreSQL 15's MERGE has no RETURNING, so bronze tables
 * carry three statement-level triggers with transition tables (the old and new rows of each INSERT, UPDATE and
 * DELETE, MERGE actions included). Their function writes those rows into the change feed (`update_preimage` and
 * `update_postimage`, `insert`, `delete`) and counts them; a commit turns it on for its own table and version
 * with a transaction-local setting, so one pass over bronze both applies and records a commit (a separate
 * classification read bronze's pages twice). Outside a smelter commit the triggers do nothing.
 */

/** `<bronze oid> <commit version> <change feed oid, 0 when the table has none>`, transaction-local. */
const TARGET = "smelter.capture";
/** Rows captured so far in the commit: `<inserted> <updated> <deleted>`. */
const COUNTS = "smelter.captured";
const OLD_ROWS = "_smelter_old";
const NEW_ROWS = "_smelter_new";

/** The triggers' function, part of the `_smelter` metadata schema. */
export const CAPTURE_FUNCTION = `
CREATE OR REPLACE FUNCTION _smelter.capture_changes() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  target text[] := string_to_array(current_setting(${quoteLiteral(TARGET)}, true), ' ');
  counts bigint[];
  feed text;
  cols text;
  head text;
  slot int := CASE TG_OP WHEN 'INSERT' THEN 1 WHEN 'UPDATE' THEN 2 ELSE 3 END;
  n bigint;
BEGIN
  IF coalesce(cardinality(target), 0) <> 3 OR target[1]::oid <> TG_RELID THEN
    RETURN NULL;
  END IF;
  IF target[3]::oid = 0 THEN
    EXECUTE format('SELECT count(*) FROM %I', CASE TG_OP WHEN 'DELETE' THEN '${OLD_ROWS}' ELSE '${NEW_ROWS}' END) INTO n;
  ELSE
    feed := target[3]::oid::regclass::text;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped;
    head := format('INSERT INTO %s (%s, ${quoteIdent(CHANGE_TYPE)}, ${quoteIdent(COMMIT_VERSION)}, ${quoteIdent(COMMIT_TIMESTAMP)}) ', feed, cols);
    IF TG_OP = 'UPDATE' THEN
      EXECUTE head || format('SELECT %1$s, ''update_preimage'', $1, now() FROM ${OLD_ROWS}
        UNION ALL SELECT %1$s, ''update_postimage'', $1, now() FROM ${NEW_ROWS}', cols) USING target[2]::bigint;
      GET DIAGNOSTICS n = ROW_COUNT;
      n := n / 2;
    ELSE
      EXECUTE head || format('SELECT %s, %L, $1, now() FROM %I', cols, lower(TG_OP),
        CASE TG_OP WHEN 'DELETE' THEN '${OLD_ROWS}' ELSE '${NEW_ROWS}' END) USING target[2]::bigint;
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
  END IF;
  counts := string_to_array(current_setting(${quoteLiteral(COUNTS)}), ' ')::bigint[];
  counts[slot] := counts[slot] + n;
  PERFORM set_config(${quoteLiteral(COUNTS)}, array_to_string(counts, ' '), true);
  RETURN NULL;
END
$fn$;
`;

const TRIGGERS = [
  { name: "_smelter_capture_insert", event: "INSERT", referencing: `NEW TABLE AS ${NEW_ROWS}` },
  {
    name: "_smelter_capture_update",
    event: "UPDATE",
    referencing: `OLD TABLE AS ${OLD_ROWS} NEW TABLE AS ${NEW_ROWS}`,
  },
  { name: "_smelter_capture_delete", event: "DELETE", referencing: `OLD TABLE AS ${OLD_ROWS}` },
];

/**
 * Creates the capture triggers a bronze table lacks. A table created by a commit gets them once its initial rows
 * are in (whose change feed is copied from bronze), so that the initial load does not hold its rows in a
 * transition table; older tables get them on their next commit.
 */
export async function ensureCaptureTriggers(client: ClientBase, table: string): Promise<void> {
  const existing = await client.query(
    "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = ANY($2)",
    [table, TRIGGERS.map((t) => t.name)],
  );
  const have = new Set(existing.rows.map((r) => r.tgname as string));
  for (const t of TRIGGERS) {
    if (have.has(t.name)) continue;
    await client.query(
      `CREATE TRIGGER ${quoteIdent(t.name)} AFTER ${t.event} ON ${table} REFERENCING ${t.referencing}
         FOR EACH STATEMENT EXECUTE FUNCTION _smelter.capture_changes()`,
    );
  }
}

/** What a commit's writes to bronze changed. */
export interface Captured {
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * Runs `work` (writes to `table`, returning the rows its statements reported) with capture on: every row it
 * changes is recorded in `feed` (a qualified change feed table, or null for none) under `version`, and counted.
 * Inside the commit's transaction, on a table whose triggers `ensureCaptureTriggers` has made sure of. Throws a ConfigError when the triggers saw fewer rows than were written
 * (disabled, or `session_replication_role` set to replica): the change feed would silently miss changes.
 */
export async function capturing(
  client: ClientBase,
  target: { table: string; version: number; feed: string | null },
  work: () => Promise<number>,
): Promise<Captured> {
  await client.query(
    `SELECT set_config($1, to_regclass($2)::oid || ' ' || $3::bigint || ' ' || coalesce(to_regclass($4)::oid, 0), true),
            set_config($5, '0 0 0', true)`,
    [TARGET, target.table, target.version, target.feed, COUNTS],
  );
  const written = await work();
  const result = await client.query("SELECT current_setting($1) AS counts, set_config($2, '', true)", [
    COUNTS,
    TARGET,
  ]);
  const [inserted, updated, deleted] = String(result.rows[0].counts).split(" ").map(Number) as [
    number,
    number,
    number,
  ];
  if (inserted + updated + deleted !== written) {
    throw new ConfigError(
      `bronze table ${target.table}: its capture triggers recorded ${inserted + updated + deleted} of the ${written} rows this commit wrote, so the change feed would miss changes; enable them (ALTER TABLE ${target.table} ENABLE TRIGGER ALL) and leave session_replication_role at origin for smelter's warehouse user; nothing was applied`,
    );
  }
  return { inserted, updated, deleted };
}
