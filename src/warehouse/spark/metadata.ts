import { createHash } from "node:crypto";
import { DataError, TransientError } from "../../errors.ts";
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
 * A table's history is where its commits are read from while it holds all of them (a page of its newest entries
 * reaches the table's first version). The `_smelter` schema keeps a durable copy of every commit for when it does
 * not (Delta prunes history after its log retention; maintenance adds entries of its own) and for the web pages,
 * and what history does not hold: the change feed's retention floor.
 *
 * - `bronze_commits`: a row per bronze commit (or more: see `BronzeLedger`): its seq, the batch ids it applied, the
 *   smelter version (monotonic per table, counting commits that changed something; null when nothing changed) and
 *   the Delta version it is.
 * - `silver_commits`: a row per silver commit: its seq and the smelter version of bronze it has merged up to.
 * - `change_feed_floor`: versions up to `floor_version` are out of the change feed's reach.
 * - `change_orders`: the highest log position applied to a cdc table since its last snapshot (change-orders.ts).
 *
 * The copy is written after the data commit; a crash in between leaves a commit only history knows. A bronze commit
 * says in its note (`from`) the oldest commit its copy covers: those its writer could not know to be recorded, then
 * itself; so the next commit copies what a crash left out, and no reader has to look it up.
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

/** The smelter commits among the newest entries of a table's history, and whether those reach its first version. */
export interface HistoryPage {
  /** Newest first. */
  commits: HistoryCommit[];
  complete: boolean;
}

/** The newest `limit` entries of `table`'s history: the commits smelter wrote as `kind` among them. */
export async function historyPage(
  client: SparkClient,
  table: string,
  kind: "bronze" | "silver",
  limit = 20,
): Promise<HistoryPage> {
  const rows = await client.query(`DESCRIBE HISTORY ${table} LIMIT ${integer(limit)}`);
  const commits: HistoryCommit[] = [];
  for (const r of rows) {
    const note = parseNote(kind, r.userMetadata ?? null);
    if (!note) continue;
    commits.push({
      deltaVersion: Number(r.version),
      operation: String(r.operation ?? ""),
      note,
      metrics: r.operationMetrics ? (JSON.parse(r.operationMetrics) as Record<string, string>) : {},
    });
  }
  return { commits, complete: rows.some((r) => Number(r.version) === 0) };
}

/** The newest `limit` commits of `table` that smelter wrote as `kind`, newest first. */
export async function history(
  client: SparkClient,
  table: string,
  kind: "bronze" | "silver",
  limit = 20,
): Promise<HistoryCommit[]> {
  return (await historyPage(client, table, kind, limit)).commits;
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

/** A bronze commit: what later commits and readers need of it. */
export interface BronzeCommit {
  seq: number;
  version: number | null;
  deltaVersion: number;
  batchIds: string[];
}

/**
 * A table's bronze commits, oldest first, and those whose durable record may be missing (a crash after the data
 * commit, before its record; or written by another process, which may not have recorded it yet): the next record
 * written for the table covers them (`from` in its note), so a reader never has to look them up.
 */
export interface BronzeLedger {
  commits: BronzeCommit[];
  unrecorded: BronzeRecord[];
}

/**
 * Ledgers this process has read or written, by warehouse and table (the newest `KNOWN_TABLES` tables). A commit
 * reads its table's history anyway: when the newest commit there is the newest one known, nobody has committed to
 * the table since, so nothing need be read again. Anything else is taken from history when history holds every
 * commit of the table, else read from the commit table (a Delta snapshot and a scan: seconds once it has a long
 * history).
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
const knownBronze = new Known<BronzeLedger>();

/** A copy: callers add to what they get. */
const copy = (l: BronzeLedger): BronzeLedger => ({ commits: [...l.commits], unrecorded: [...l.unrecorded] });

/** Whether the newest smelter commit of a table's history is `last` (both absent counts as the same). */
function isNewest(last: { seq: number; deltaVersion: number } | null, newest: HistoryCommit | null): boolean {
  if (!last || !newest) return !last && !newest;
  return Number(newest.note.seq) === last.seq && newest.deltaVersion === last.deltaVersion;
}

/** The bronze commits recorded for a table, oldest first, read from the commit table (a commit once). */
async function readBronzeCommits(
  client: SparkClient,
  pipeline: string,
  table: string,
): Promise<BronzeCommit[]> {
  // A commit is recorded again when its writer could not know its record was written (see BronzeLedger).
  const rows = await client.query(
    `SELECT DISTINCT seq, version, delta_version, to_json(batch_ids) AS ids FROM ${meta("bronze_commits")}
      WHERE pipeline = ${literal(pipeline)} AND table_name = ${literal(table)} ORDER BY seq`,
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    version: r.version === null ? null : Number(r.version),
    deltaVersion: Number(r.delta_version),
    batchIds: JSON.parse(r.ids ?? "[]") as string[],
  }));
}

/** Whether `page` holds every commit of the table: its history from the first version, commits 1 to the newest. */
export function holdsAll(page: HistoryPage): boolean {
  const found = page.commits;
  return page.complete && found.every((h, i) => Number(h.note.seq) === found.length - i);
}

/**
 * A table's bronze ledger (see BronzeLedger): known to this process when it ends with the newest commit of `page`
 * (the newest entries of the table's history); else from history when it holds every commit and says which may be
 * unrecorded (the newest commit's `from`); else the commit table's records with the commits only history has after
 * them, `longer` reading more history when the page does not reach back to them.
 */
export async function bronzeLedger(
  client: SparkClient,
  pipeline: string,
  table: string,
  page: HistoryPage,
  longer: () => Promise<HistoryPage>,
): Promise<BronzeLedger> {
  let found = page.commits;
  const known = knownBronze.get(client, pipeline, table);
  if (known && isNewest(known.commits.at(-1) ?? null, found[0] ?? null)) return copy(known);
  const from = found[0]?.note.from;
  let ledger: BronzeLedger;
  if (holdsAll(page) && (found.length === 0 || from !== undefined)) {
    const commits = found.map(bronzeRecord).reverse();
    ledger = { commits, unrecorded: commits.filter((c) => c.seq >= Number(from)) };
  } else {
    const commits = await readBronzeCommits(client, pipeline, table);
    const last = commits.at(-1)?.seq ?? 0;
    const newest = Number(found[0]?.note.seq ?? 0);
    const reaches = (h: HistoryCommit[]) => newest <= last || h.some((c) => Number(c.note.seq) === last + 1);
    if (!reaches(found)) found = (await longer()).commits;
    if (!reaches(found)) {
      throw new DataError(
        `bronze table of ${pipeline}.${table}: commit ${last + 1} is neither recorded in ${meta("bronze_commits")} nor in the table's Delta history any more (log retention removed it before it was recorded), so the batches it applied are unknown; retrying will not help (see "Commit records" in docs/warehouse-spark.md)`,
      );
    }
    const unrecorded = found
      .filter((h) => Number(h.note.seq) > last)
      .map(bronzeRecord)
      .reverse();
    ledger = { commits: [...commits, ...unrecorded], unrecorded };
  }
  knownBronze.set(client, pipeline, table, copy(ledger));
  return ledger;
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

/**
 * Appends the durable records of bronze commits, in one statement (`commits`: the ledger's unrecorded ones, then
 * the commit just made), and compacts the records when it is this table's turn. The ledger this process knows for
 * the table then ends with them, all recorded.
 */
export async function recordBronze(
  client: SparkClient,
  pipeline: string,
  table: string,
  commits: BronzeRecord[],
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const newest = commits.at(-1);
  if (!newest) return;
  const array = (items: string[], type: string) =>
    items.length ? `array(${items.join(", ")})` : `CAST(array() AS ARRAY<${type}>)`;
  const row = (r: BronzeRecord) => `(${literal(pipeline)}, ${literal(table)},
    ${integer(r.seq)}, ${r.version === null ? "NULL" : integer(r.version)}, ${integer(r.deltaVersion)},
    ${array(r.batchIds.map(literal), "STRING")}, ${array(
      r.batchRows.map((n) => `${integer(n)}L`),
      "BIGINT",
    )},
    ${integer(r.rowsRead)}, ${integer(r.inserted)}, ${integer(r.updated)}, ${integer(r.deleted)},
    ${integer(r.unchanged)}, current_timestamp())`;
  const known = knownBronze.get(client, pipeline, table);
  knownBronze.forget(client, pipeline, table);
  await client.query(`INSERT INTO ${meta("bronze_commits")} VALUES ${commits.map(row).join(",\n")}`);
  const written = new Set(commits.map((c) => c.seq));
  if (known?.unrecorded.every((c) => written.has(c.seq))) {
    const ledger = copy(known);
    for (const { seq, version, deltaVersion, batchIds } of commits) {
      const last = ledger.commits.at(-1)?.seq ?? 0;
      if (seq === last + 1) ledger.commits.push({ seq, version, deltaVersion, batchIds });
    }
    if (ledger.commits.at(-1)?.seq === newest.seq) {
      knownBronze.set(client, pipeline, table, { commits: ledger.commits, unrecorded: [] });
    }
  }
  await compactInTurn(client, "bronze_commits", JSON.stringify([pipeline, table]), newest.seq, log);
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

/** The newest silver commit of a model in its commit table, or null when none is recorded. */
export async function lastSilver(
  client: SparkClient,
  pipeline: string,
  model: string,
): Promise<SilverRecord | null> {
  const rows = await client.query(
    `SELECT seq, version, delta_version FROM ${meta("silver_commits")}
      WHERE pipeline = ${literal(pipeline)} AND model = ${literal(model)} ORDER BY seq DESC LIMIT 1`,
  );
  const r = rows[0];
  if (!r) return null;
  const zero = { rowsRead: 0, inserted: 0, updated: 0, deleted: 0, unchanged: 0 };
  return { seq: Number(r.seq), version: Number(r.version), deltaVersion: Number(r.delta_version), ...zero };
}

/**
 * A model's newest silver commit, or null before its first: the newest commit of `page` (the newest entries of the
 * silver table's history); none when the page reaches the table's first version without one; else (older
 * entries pushed out by maintenance) the commit table's.
 */
export async function silverCheckpoint(
  client: SparkClient,
  pipeline: string,
  model: string,
  page: HistoryPage,
): Promise<SilverRecord | null> {
  const newest = page.commits[0];
  if (newest) return silverRecord(newest);
  return page.complete ? null : lastSilver(client, pipeline, model);
}

/**
 * Appends a silver commit's durable record (and compacts the records when it is this model's turn). Only a model's
 * newest record is read back, so a commit that crashed before its record needs none once a later one has it.
 */
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
