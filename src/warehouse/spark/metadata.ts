import { createHash } from "node:crypto";
import { TransientError } from "../../errors.ts";
import type { SparkClient, SparkRow } from "./client.ts";
import { integer, literal, qualified, quoteIdent } from "./sql.ts";
import { ensureSchema } from "./tables.ts";

/**
 * Exactly-once on Delta. A bronze or silver commit is one Delta commit (a MERGE, or an INSERT OVERWRITE) that
 * carries its own checkpoint: Delta's idempotent-write transaction (`txnAppId` = the table's writer, `txnVersion` =
 * the commit's sequence number `seq`) and the commit's description in `userMetadata` (batch ids, the smelter
 * version it becomes, the silver checkpoint it reaches), both written atomically with the data. Delta skips a
 * replayed (appId, seq), so a MERGE can never apply twice.
 *
 * The `_smelter` schema keeps a durable copy of every commit (Delta's history is pruned after its log retention)
 * and what history does not hold: the change feed's retention floor.
 *
 * - `bronze_commits`: one row per bronze commit: its seq, the batch ids it applied, the smelter version (monotonic
 *   per table, counting commits that changed something; null when nothing changed) and the Delta version it is.
 * - `silver_commits`: one row per silver commit: its seq and the smelter version of bronze it has merged up to.
 * - `change_feed_floor`: versions up to `floor_version` are out of the change feed's reach.
 * - `change_orders`: the highest log position applied to a cdc table since its last snapshot (change-orders.ts).
 *
 * The copy is written after the data commit; a crash in between leaves a commit only history knows, which the next
 * commit (or read) of that table takes from history (`fromHistory`) before doing anything else.
 */

export const META = "_smelter";

const DDL: Record<string, string> = {
  bronze_commits: `pipeline STRING NOT NULL, table_name STRING NOT NULL, seq BIGINT NOT NULL, version BIGINT,
    delta_version BIGINT NOT NULL, batch_ids ARRAY<STRING> NOT NULL, batch_rows ARRAY<BIGINT> NOT NULL,
    rows_read BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, deleted BIGINT NOT NULL,
    unchanged BIGINT NOT NULL, committed_at TIMESTAMP NOT NULL`,
  silver_commits: `pipeline STRING NOT NULL, model STRING NOT NULL, source_table STRING NOT NULL,
    seq BIGINT NOT NULL, version BIGINT NOT NULL, delta_version BIGINT NOT NULL, rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL, updated BIGINT NOT NULL, deleted BIGINT NOT NULL, unchanged BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL`,
  change_feed_floor: `pipeline STRING NOT NULL, table_name STRING NOT NULL, floor_version BIGINT NOT NULL,
    pruned_at TIMESTAMP NOT NULL`,
  change_orders: `pipeline STRING NOT NULL, table_name STRING NOT NULL, seq BIGINT NOT NULL,
    max_order DECIMAL(38,0), recorded_at TIMESTAMP NOT NULL`,
};

/** The bookkeeping tables, for maintenance. */
export const METADATA_TABLES = Object.keys(DDL).map((table) => ({ schema: META, table }));

export const meta = (table: keyof typeof DDL | string) => qualified(META, table);

/**
 * Every commit appends a row, so a file, to the commit tables; without compaction a read opens one file per commit
 * ever made (seconds after a few hundred). Delta's auto compaction would keep them small, but it rebuilds the table's
 * state after every append, which costs seconds per commit once the table has a long history. So each writer
 * compacts a commit table itself, once every `COMPACT_EVERY` of its own commits at an offset of its own (writers of
 * many tables take turns, and a table stays near `COMPACT_EVERY` files), and the maintenance job compacts and
 * vacuums them too (`WarehouseSession.metadataTables`).
 */
const COMPACT_EVERY = 50;
const AUTO_COMPACT = "delta.autoOptimize.autoCompact";

/** Whether the writer's commit `seq` is its turn to compact a commit table. */
export function compactsAt(writer: string, seq: number): boolean {
  const offset = createHash("sha256").update(writer).digest().readUInt32BE(0) % COMPACT_EVERY;
  return (seq + offset) % COMPACT_EVERY === 0;
}

/**
 * Compacts a commit table when it is the writer's turn. Best effort: the commit it follows is complete and
 * recorded, so a failure (another writer compacting at the same moment) is logged and the next turn compacts.
 */
export async function compactInTurn(
  client: SparkClient,
  table: string,
  writer: string,
  seq: number,
  log: (message: string) => void,
): Promise<void> {
  if (!compactsAt(writer, seq)) return;
  try {
    await client.query(`OPTIMIZE ${meta(table)}`);
  } catch (error) {
    log(`compaction of ${meta(table)} left to a later commit: ${(error as Error).message}`);
  }
}

/** Warehouses whose commit tables were checked for auto compaction in this process (`SparkClient.where`). */
const checked = new Set<string>();

/**
 * Commit tables created before writers compacted them carry Delta's auto compaction; it is turned off once per
 * process and warehouse.
 */
async function dropAutoCompact(client: SparkClient): Promise<void> {
  if (checked.has(client.where)) return;
  for (const name of ["bronze_commits", "silver_commits"]) {
    const rows = await client.query(`SHOW TBLPROPERTIES ${meta(name)} ('${AUTO_COMPACT}')`);
    if (rows.some((r) => String(r.value) === "true")) {
      await client.query(`ALTER TABLE ${meta(name)} UNSET TBLPROPERTIES IF EXISTS ('${AUTO_COMPACT}')`);
    }
  }
  checked.add(client.where);
}

/**
 * Thrift sessions that have checked the `_smelter` tables: a kept session checks once (a table dropped afterwards
 * fails the statement that needs it, and a session whose statement failed is not kept).
 */
const ensured = new WeakSet<SparkClient>();

/** Creates the `_smelter` schema and tables that are missing; concurrent creators tolerate each other. */
export async function ensureMetadata(client: SparkClient): Promise<void> {
  if (ensured.has(client)) return;
  const have = new Set<string>();
  try {
    for (const r of await client.query(`SHOW TABLES IN ${quoteIdent(META)}`)) have.add(String(r.tableName));
  } catch {
    await ensureSchema(client, META);
  }
  for (const [name, columns] of Object.entries(DDL)) {
    if (have.has(name)) continue;
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${meta(name)} (${columns}) USING DELTA`);
    } catch (error) {
      if (!/already exists/i.test(String((error as Error).message))) throw error;
    }
  }
  await dropAutoCompact(client);
  ensured.add(client);
}

/** What a commit says about itself in Delta's `userMetadata` (`smelter/<kind>/k=v/...`: no spaces, quotes or `;`). */
export type CommitNote = Record<string, string>;

export function formatNote(kind: "bronze" | "silver", note: Record<string, string | number | null>): string {
  const parts = Object.entries(note).map(([k, v]) => `${k}=${v ?? ""}`);
  const text = ["smelter", kind, ...parts].join("/");
  if (!/^[\w/=,.:-]*$/.test(text)) throw new Error(`commit note has unexpected characters: ${text}`);
  return text;
}

function parseNote(kind: string, text: string | null): CommitNote | null {
  if (!text?.startsWith(`smelter/${kind}/`)) return null;
  const note: CommitNote = {};
  for (const part of text.split("/").slice(2)) {
    const at = part.indexOf("=");
    if (at > 0) note[part.slice(0, at)] = part.slice(at + 1);
  }
  return note;
}

/** A Delta commit of a table's history written by smelter: its version, note and operation metrics. */
export interface HistoryCommit {
  deltaVersion: number;
  /** Delta's name of the operation: `MERGE`, `WRITE` (an append or overwrite), ... */
  operation: string;
  note: CommitNote;
  metrics: Record<string, string>;
}

/** The newest `limit` commits of `table` that smelter wrote as `kind`, newest first. */
export async function history(
  client: SparkClient,
  table: string,
  kind: "bronze" | "silver",
  limit = 20,
): Promise<HistoryCommit[]> {
  const rows = await client.query(`DESCRIBE HISTORY ${table} LIMIT ${integer(limit)}`);
  const out: HistoryCommit[] = [];
  for (const r of rows) {
    const note = parseNote(kind, r.userMetadata ?? null);
    if (!note) continue;
    out.push({
      deltaVersion: Number(r.version),
      operation: String(r.operation ?? ""),
      note,
      metrics: r.operationMetrics ? (JSON.parse(r.operationMetrics) as Record<string, string>) : {},
    });
  }
  return out;
}

/**
 * Runs `write` (one Delta write to a table) as the commit (`appId`, `seq`) with `note` as its user metadata, and
 * returns its rows: none when Delta skipped it because that (appId, seq) is already committed. The settings are reset
 * afterwards, whatever happens: left set, they would mark the session's next write too.
 */
export async function asCommit(
  client: SparkClient,
  appId: string,
  seq: number,
  note: string,
  write: () => Promise<SparkRow[]>,
): Promise<SparkRow[]> {
  const keys = [
    "spark.databricks.delta.write.txnAppId",
    "spark.databricks.delta.write.txnVersion",
    "spark.databricks.delta.commitInfo.userMetadata",
  ];
  try {
    await client.run(`SET ${keys[0]}=${appId}`, `SET ${keys[1]}=${integer(seq)}`, `SET ${keys[2]}=${note}`);
    return await write();
  } finally {
    await client.run(...keys.map((k) => `RESET ${k}`));
  }
}

/** A recorded bronze commit. */
export interface BronzeCommit {
  seq: number;
  version: number | null;
  deltaVersion: number;
  batchIds: string[];
}

/**
 * Records this process has read or written, by warehouse and table (the newest `KNOWN_TABLES` tables). A commit
 * reads its table's history anyway: when the newest commit there is the newest record known, nobody has committed
 * to the table since, so its records need not be read again (a read of a commit table costs a Delta snapshot and
 * a scan, seconds once the table has a long history). Anything else reads them.
 */
class Known<T> {
  private readonly entries = new Map<string, T>();

  private key(client: SparkClient, pipeline: string, name: string): string {
    return JSON.stringify([client.where, pipeline, name]);
  }

  get(client: SparkClient, pipeline: string, name: string): T | undefined {
    return this.entries.get(this.key(client, pipeline, name));
  }

  set(client: SparkClient, pipeline: string, name: string, value: T): void {
    const key = this.key(client, pipeline, name);
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > KNOWN_TABLES) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(client: SparkClient, pipeline: string, name: string): void {
    this.entries.delete(this.key(client, pipeline, name));
  }
}

const KNOWN_TABLES = 4096;
const knownBronze = new Known<BronzeCommit[]>();
const knownSilver = new Known<SilverRecord | null>();

/** Whether the newest smelter commit of a table's history is `last` (both absent counts as the same). */
function isNewest(last: { seq: number; deltaVersion: number } | null, newest: HistoryCommit | null): boolean {
  if (!last || !newest) return !last && !newest;
  return Number(newest.note.seq) === last.seq && newest.deltaVersion === last.deltaVersion;
}

/** The bronze commits recorded for a table, oldest first, read from the commit table. */
async function readBronzeCommits(
  client: SparkClient,
  pipeline: string,
  table: string,
): Promise<BronzeCommit[]> {
  const rows = await client.query(
    `SELECT seq, version, delta_version, to_json(batch_ids) AS ids FROM ${meta("bronze_commits")}
      WHERE pipeline = ${literal(pipeline)} AND table_name = ${literal(table)} ORDER BY seq`,
  );
  const commits = rows.map((r) => ({
    seq: Number(r.seq),
    version: r.version === null ? null : Number(r.version),
    deltaVersion: Number(r.delta_version),
    batchIds: JSON.parse(r.ids ?? "[]") as string[],
  }));
  // A copy: callers add the commits only history knows to what they get, which are not recorded.
  knownBronze.set(client, pipeline, table, [...commits]);
  return commits;
}

/**
 * The bronze commits recorded for a table, oldest first: those known to this process when they end with `newest`
 * (the newest smelter commit of the table's history, null when it has none), else read.
 */
export async function bronzeCommits(
  client: SparkClient,
  pipeline: string,
  table: string,
  newest: HistoryCommit | null,
): Promise<BronzeCommit[]> {
  const known = knownBronze.get(client, pipeline, table);
  if (known && isNewest(known.at(-1) ?? null, newest)) return [...known];
  return readBronzeCommits(client, pipeline, table);
}

/** What one bronze commit did, as recorded. */
export interface BronzeRecord extends BronzeCommit {
  batchRows: number[];
  rowsRead: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/**
 * The counts of a bronze commit from its Delta history entry: a MERGE's from its metrics (`keep` rows of a key set
 * left out); a first load's append inserted every row it wrote and left out the rest of the `latest` rows (one per
 * staged key; deletes), or the `gone` rows its note counts (commits before `latest`).
 */
export function bronzeRecord(commit: HistoryCommit): BronzeRecord {
  const m = (k: string) => Number(commit.metrics[k] ?? 0);
  const { note } = commit;
  const rowsRead = Number(note.read ?? 0);
  const appended = commit.operation === "WRITE";
  const inserted = appended ? m("numOutputRows") : m("numTargetRowsInserted");
  const updated = appended ? 0 : m("numTargetRowsUpdated");
  const deleted = appended ? 0 : m("numTargetRowsDeleted");
  const latest = note.latest ? Number(note.latest) : inserted;
  const unchanged = appended
    ? Number(note.gone ?? latest - inserted)
    : m("numSourceRows") - Number(note.keep ?? 0) - inserted - updated - m("numTargetRowsMatchedDeleted");
  return {
    seq: Number(note.seq),
    version: inserted + updated + deleted > 0 ? Number(note.version) : null,
    deltaVersion: commit.deltaVersion,
    batchIds: (note.batches ?? "").split(",").filter(Boolean),
    batchRows: (note.rows ?? "").split(",").filter(Boolean).map(Number),
    rowsRead,
    inserted,
    updated,
    deleted,
    unchanged,
  };
}

/** Appends a bronze commit's durable record (and compacts the records when it is this table's turn). */
export async function recordBronze(
  client: SparkClient,
  pipeline: string,
  table: string,
  r: BronzeRecord,
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const array = (items: string[], type: string) =>
    items.length ? `array(${items.join(", ")})` : `CAST(array() AS ARRAY<${type}>)`;
  await client.query(`INSERT INTO ${meta("bronze_commits")} VALUES (${literal(pipeline)}, ${literal(table)},
    ${integer(r.seq)}, ${r.version === null ? "NULL" : integer(r.version)}, ${integer(r.deltaVersion)},
    ${array(r.batchIds.map(literal), "STRING")}, ${array(
      r.batchRows.map((n) => `${integer(n)}L`),
      "BIGINT",
    )},
    ${integer(r.rowsRead)}, ${integer(r.inserted)}, ${integer(r.updated)}, ${integer(r.deleted)},
    ${integer(r.unchanged)}, current_timestamp())`);
  const known = knownBronze.get(client, pipeline, table);
  if (known && (known.at(-1)?.seq ?? 0) === r.seq - 1) {
    const { seq, version, deltaVersion, batchIds } = r;
    known.push({ seq, version, deltaVersion, batchIds });
  } else knownBronze.forget(client, pipeline, table);
  await compactInTurn(client, "bronze_commits", JSON.stringify([pipeline, table]), r.seq, log);
}

/** A recorded silver commit: the bronze version it merged up to. */
export interface SilverRecord {
  seq: number;
  version: number;
  deltaVersion: number;
  rowsRead: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/**
 * A silver commit from its history entry: counts from its note when it carries them (SCD2 and rebuilds count
 * before writing), else from the MERGE's metrics (SCD1: one action per source row).
 */
export function silverRecord(commit: HistoryCommit): SilverRecord {
  const n = (k: string) => Number(commit.note[k] ?? 0);
  const m = (k: string) => Number(commit.metrics[k] ?? 0);
  const base = { seq: n("seq"), version: n("to"), deltaVersion: commit.deltaVersion };
  if (commit.note.ins !== undefined) {
    return {
      ...base,
      rowsRead: n("read"),
      inserted: n("ins"),
      updated: n("upd"),
      deleted: n("del"),
      unchanged: n("same"),
    };
  }
  const [rowsRead, inserted, updated, deleted] = [
    m("numSourceRows"),
    m("numTargetRowsInserted"),
    m("numTargetRowsUpdated"),
    m("numTargetRowsDeleted"),
  ];
  return {
    ...base,
    rowsRead,
    inserted,
    updated,
    deleted,
    unchanged: rowsRead - inserted - updated - deleted,
  };
}

/**
 * The newest recorded silver commit of a model, or null before its first: the one known to this process when it is
 * `newest` (the newest smelter commit of the silver table's history, null when it has none), else (and without
 * `newest`) read.
 */
export async function lastSilver(
  client: SparkClient,
  pipeline: string,
  model: string,
  newest?: HistoryCommit | null,
): Promise<SilverRecord | null> {
  const known = knownSilver.get(client, pipeline, model);
  if (known !== undefined && newest !== undefined && isNewest(known, newest)) return known;
  const rows = await client.query(
    `SELECT seq, version, delta_version FROM ${meta("silver_commits")}
      WHERE pipeline = ${literal(pipeline)} AND model = ${literal(model)} ORDER BY seq DESC LIMIT 1`,
  );
  const r = rows[0];
  const last = r
    ? {
        seq: Number(r.seq),
        version: Number(r.version),
        deltaVersion: Number(r.delta_version),
        rowsRead: 0,
        inserted: 0,
        updated: 0,
        deleted: 0,
        unchanged: 0,
      }
    : null;
  knownSilver.set(client, pipeline, model, last);
  return last;
}

/** Appends a silver commit's durable record (and compacts the records when it is this model's turn). */
export async function recordSilver(
  client: SparkClient,
  pipeline: string,
  model: string,
  table: string,
  r: SilverRecord,
  log: (message: string) => void = () => undefined,
): Promise<void> {
  await client.query(`INSERT INTO ${meta("silver_commits")} VALUES (${literal(pipeline)}, ${literal(model)},
    ${literal(table)}, ${integer(r.seq)}, ${integer(r.version)}, ${integer(r.deltaVersion)}, ${integer(r.rowsRead)},
    ${integer(r.inserted)}, ${integer(r.updated)}, ${integer(r.deleted)}, ${integer(r.unchanged)}, current_timestamp())`);
  const known = knownSilver.get(client, pipeline, model);
  if (known !== undefined && (known?.seq ?? 0) === r.seq - 1) knownSilver.set(client, pipeline, model, r);
  else knownSilver.forget(client, pipeline, model);
  await compactInTurn(client, "silver_commits", JSON.stringify([pipeline, model]), r.seq, log);
}

/** Versions up to the floor are out of the change feed's reach; 0 when nothing was pruned. */
export async function retentionFloor(client: SparkClient, pipeline: string, table: string): Promise<number> {
  const rows = await client.query(
    `SELECT max(floor_version) AS f FROM ${meta("change_feed_floor")}
      WHERE pipeline = ${literal(pipeline)} AND table_name = ${literal(table)}`,
  );
  return Number(rows[0]?.f ?? 0);
}

export async function setRetentionFloor(
  client: SparkClient,
  pipeline: string,
  table: string,
  floor: number,
): Promise<void> {
  await client.query(`MERGE INTO ${meta("change_feed_floor")} f
    USING (SELECT ${literal(pipeline)} AS pipeline, ${literal(table)} AS table_name) s
       ON f.pipeline = s.pipeline AND f.table_name = s.table_name
    WHEN MATCHED THEN UPDATE SET floor_version = ${integer(floor)}, pruned_at = current_timestamp()
    WHEN NOT MATCHED THEN INSERT (pipeline, table_name, floor_version, pruned_at)
      VALUES (s.pipeline, s.table_name, ${integer(floor)}, current_timestamp())`);
}

/** Another execution committed the same sequence number first: a retry reads its commit from history. */
export function concurrentCommit(what: string): TransientError {
  return new TransientError(
    `${what}: another execution committed the same commit meanwhile; a retry takes its result from history`,
  );
}
