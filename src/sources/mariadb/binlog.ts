import { randomInt } from "node:crypto";
import type ZongJi from "@vlasky/zongji";
import { ConfigError, DataError, LogPurgedError, TransientError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { drainEnd } from "../drain-end.ts";
import { sourceError } from "../errors.ts";
import type { ChangeLog, DrainOptions, LogChange, LogConsumer, LogPosition } from "../types.ts";
import { connectMariadb } from "./connection.ts";
import { binaryLogStatus, locate } from "./locate.ts";
import { asPosition, compare, order, stored } from "./position.ts";
import { truncatedTable } from "./statements.ts";

/**
 * MariaDB/MySQL change capture from the binary log, read with `@vlasky/zongji` as a replica would. A position is
 * `[binlog file, offset, GTID position]` at a transaction boundary, where `SHOW MASTER STATUS` and MariaDB's
 * `Binlog_snapshot_file`/`Binlog_snapshot_position` put it; reading resumes by file and offset, or by the GTID
 * position when the server names that point otherwise (locate.ts). Changes are ordered as position.ts says.
 */

/** Transactions handed to the writer but not yet written at which the binlog connection is paused. */
const PAUSE_AT = 16;

/** Settings and grants change capture needs, checked in one round so that every problem is named at once. */
async function preflight(db: ResolvedDatabase, _consumer: LogConsumer): Promise<void> {
  const where = `source ${db.name} (${db.kind} ${db.host}:${db.port})`;
  const conn = await connectMariadb(db, 0);
  try {
    const [vars] = await conn.query(
      `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image',
         'binlog_row_metadata', 'server_id', 'binlog_transaction_compression', 'binlog_row_value_options')`,
    );
    const v = new Map((vars as unknown[][]).map((r) => [String(r[0]).toLowerCase(), String(r[1])]));
    const problems: string[] = [];
    if (v.get("log_bin")?.toUpperCase() !== "ON")
      problems.push("the binary log is off: start the server with log_bin");
    if (v.get("binlog_format")?.toUpperCase() !== "ROW")
      problems.push(`binlog_format is ${v.get("binlog_format")}: set binlog_format=ROW`);
    if (v.has("binlog_row_image") && v.get("binlog_row_image")?.toUpperCase() !== "FULL")
      problems.push(`binlog_row_image is ${v.get("binlog_row_image")}: set binlog_row_image=FULL`);
    // Column names come from the log itself only with FULL metadata; otherwise from information_schema, which
    // may already describe a later ALTER TABLE than the row being decoded.
    if (v.has("binlog_row_metadata") && v.get("binlog_row_metadata")?.toUpperCase() !== "FULL")
      problems.push(`binlog_row_metadata is ${v.get("binlog_row_metadata")}: set binlog_row_metadata=FULL`);
    if (v.get("server_id") === "0") problems.push("server_id is 0: give the server a server_id");
    // MySQL: compressed transactions and partial JSON updates are events the binlog reader cannot decode.
    if (
      v.has("binlog_transaction_compression") &&
      v.get("binlog_transaction_compression")?.toUpperCase() !== "OFF"
    )
      problems.push("binlog_transaction_compression is ON: set binlog_transaction_compression=OFF");
    if (v.get("binlog_row_value_options"))
      problems.push(
        `binlog_row_value_options is ${v.get("binlog_row_value_options")}: set binlog_row_value_options='' (full JSON values)`,
      );
    const [grants] = await conn.query("SHOW GRANTS FOR CURRENT_USER()");
    const text = (grants as unknown[][]).map((r) => String(r[0]).toUpperCase());
    const global = text.filter((g) => / ON \*\.\* TO /.test(g));
    const has = (privilege: string) =>
      global.some((g) => g.includes("ALL PRIVILEGES") || g.includes(privilege));
    const missing = [
      ...(has("REPLICATION SLAVE") || has("REPLICATION REPLICA") ? [] : ["REPLICATION SLAVE"]),
      ...(has("REPLICATION CLIENT") || has("BINLOG MONITOR") ? [] : ["REPLICATION CLIENT"]),
    ];
    if (missing.length > 0)
      problems.push(
        `user ${db.user} lacks ${missing.join(" and ")}: GRANT ${missing.join(", ")} ON *.* TO ${db.user}`,
      );
    if (problems.length > 0) {
      throw new ConfigError(
        `${where}: change capture (mode cdc) needs the binary log in row format: ${problems.join("; ")}`,
      );
    }
  } catch (error) {
    throw sourceError(error, where);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function head(db: ResolvedDatabase): Promise<LogPosition> {
  const conn = await connectMariadb(db, 0);
  try {
    const row = await binaryLogStatus(conn);
    if (!row) throw new ConfigError(`source ${db.name}: SHOW MASTER STATUS is empty: the binary log is off`);
    const [file, offset] = [String(row[0]), Number(row[1])];
    // The GTID position of the same point (another server of the topology knows it, not the file): MySQL reports
    // its GTID set beside the file (with line breaks between members), MariaDB translates the file and offset.
    const gtid =
      row.length > 4
        ? String(row[4] ?? "").replace(/\s+/g, "")
        : String(
            ((await conn.query("SELECT BINLOG_GTID_POS(?, ?)", [file, offset]))[0] as unknown[][])[0]?.[0] ??
              "",
          );
    return gtid ? [file, offset, gtid] : [file, offset];
  } catch (error) {
    throw sourceError(error, `source ${db.name}`);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Refuses a position the server no longer holds, before anything is read. */
async function checkHeld(db: ResolvedDatabase, from: LogPosition, table: string): Promise<void> {
  const { file, offset } = asPosition(from);
  const conn = await connectMariadb(db, 0);
  let logs: { name: string; size: number }[];
  try {
    const [rows] = await conn.query("SHOW BINARY LOGS");
    logs = (rows as unknown[][]).map((r) => ({ name: String(r[0]), size: Number(r[1]) }));
  } catch (error) {
    throw sourceError(error, `source ${db.name}`);
  } finally {
    await conn.end().catch(() => undefined);
  }
  const held = logs.find((l) => l.name === file);
  if (!held || offset > held.size) {
    const oldest = logs[0] ? `${logs[0].name}:4` : "none";
    throw new LogPurgedError(
      `source ${db.name}, table ${table}: the binary log no longer holds position ${file}:${offset}, where change capture stopped (oldest held: ${oldest}); changes after it are lost to the log. Re-sync the table (smelter resync <spec> --table <name>) to take a new snapshot and continue from the log's head; nothing was written`,
    );
  }
}

function splitTable(table: string, database: string): { schema: string; name: string } {
  const dot = table.indexOf(".");
  return dot < 0
    ? { schema: database, name: table }
    : { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

type Row = Record<string, unknown>;

/** The fields of zongji's events a drain reads (its declarations type each event kind apart). */
interface BinlogEvent {
  getEventName(): string;
  nextPosition: number;
  timestamp: number;
  binlogName?: string;
  query?: string;
  schema?: string;
  tableId?: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  rows?: unknown[];
}

/**
 * Changes of the consumers' tables, each in `(from, to]`, handed over a committed transaction at a time. One read
 * serves every table: it starts at the earliest `from`, and a table's changes at or before its own `from` (already
 * landed for it) are skipped.
 */
async function drain(db: ResolvedDatabase, options: DrainOptions): Promise<{ changes: number }> {
  const { to, signal } = options;
  const live = options.consumers.filter((c) => compare(c.from, to) < 0);
  const first = live.reduce<LogPosition | null>(
    (min, c) => (min === null || compare(c.from, min) < 0 ? c.from : min),
    null,
  );
  if (first === null) return { changes: 0 };
  const tables = live.map((c) => c.consumer.table).join(", ");
  await checkHeld(db, first, tables);
  const start = asPosition(first);
  /** By table: its consumer, its position, and the shift its changes are ordered with (position.ts). */
  const targets = new Map<string, { name: string; from: LogPosition; shift: number }>();
  /** The tables by lower-case name, as a TRUNCATE statement may name them. */
  const truncatable = new Map<string, { table: string; from: LogPosition }>();
  const includeSchema: Record<string, string[]> = {};
  for (const c of live) {
    const t = splitTable(c.consumer.table, db.database);
    targets.set(`${t.schema}.${t.name}`, {
      name: c.consumer.name,
      from: c.from,
      shift: asPosition(c.from).shift,
    });
    truncatable.set(`${t.schema}.${t.name}`.toLowerCase(), { table: c.consumer.table, from: c.from });
    includeSchema[t.schema] = [...(includeSchema[t.schema] ?? []), t.name];
  }
  const { default: ZongJiClass } = await import("@vlasky/zongji");
  const zongji: ZongJi = new ZongJiClass({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    charset: "utf8mb4",
    // Values as the snapshot reads them: exact decimals and big integers, dates as text in the source's zone.
    dateStrings: true,
    timezone: db.timezone,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
  });
  let changes = 0;
  let file = start.file;
  let pending = new Map<string, LogChange[]>();
  let writing: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let paused = false;
  const connection = () =>
    (zongji as unknown as { connection?: { pause(): void; resume(): void } }).connection;
  const ending = drainEnd(
    signal,
    (seconds) =>
      new TransientError(
        `source ${db.name}: no binlog event for ${seconds} s before reaching ${to.join(":")} (stopped at ${file}); a retry drains again from the stored position`,
      ),
    () => {
      zongji.removeAllListeners("binlog");
      zongji.stop();
    },
  );
  const commit = (committedAt: number) => {
    if (pending.size === 0) return;
    const batches = [...pending].map(([name, list]) => ({
      name,
      list: list.map((c) => ({ ...c, committedAt })),
    }));
    pending = new Map();
    inFlight += 1;
    if (inFlight >= PAUSE_AT && !paused) {
      paused = true;
      connection()?.pause();
    }
    writing = writing.then(async () => {
      for (const { name, list } of batches) {
        changes += list.length;
        await options.onChanges(name, list);
      }
      inFlight -= 1;
      if (paused && inFlight <= PAUSE_AT / 4) {
        paused = false;
        connection()?.resume();
      }
    });
    writing.catch((error) => ending.finish(error));
  };
  const add = (name: string, change: LogChange) => {
    const list = pending.get(name);
    if (list) list.push(change);
    else pending.set(name, [change]);
  };
  zongji.on("error", (error: { code?: string; errno?: number; message?: string }) => {
    if (error.errno === 1236) {
      ending.finish(
        new LogPurgedError(
          `source ${db.name}, table ${tables}: the server cannot send the binary log from ${start.file}:${start.offset} (${error.message}); re-sync the table (smelter resync <spec> --table <name>); nothing was written`,
        ),
      );
    } else ending.finish(sourceError(error, `source ${db.name} (binlog)`));
  });
  zongji.on("binlog", (event: BinlogEvent) => {
    ending.armIdle();
    const name: string = event.getEventName();
    const position: number = event.nextPosition;
    if (position > 0 && compare([file, position], to) > 0) return ending.finish();
    switch (name) {
      case "rotate":
        if (event.binlogName) file = event.binlogName;
        break;
      case "mariadbgtid":
      case "gtid":
        pending = new Map();
        break;
      case "writerows":
      case "deleterows":
      case "updaterows": {
        const map = event.tableMap?.[event.tableId ?? -1];
        const target = map ? targets.get(`${map.parentSchema}.${map.tableName}`) : undefined;
        // A table whose stored position is past this event landed it already.
        if (!target || compare([file, position], target.from) <= 0) break;
        const changed = (event.rows ?? []) as Row[];
        if (name === "updaterows") {
          (changed as unknown as { before: Row; after: Row }[]).forEach((r, i) => {
            const at = order(file, position, i * 2 + 1, target.shift);
            add(target.name, { op: "update", order: at, committedAt: 0, row: r.after, before: r.before });
          });
        } else {
          const op = name === "writerows" ? "insert" : "delete";
          changed.forEach((row, i) => {
            add(target.name, { op, order: order(file, position, i * 2, target.shift), committedAt: 0, row });
          });
        }
        break;
      }
      case "xid":
        commit(event.timestamp);
        break;
      case "query": {
        const query = String(event.query ?? "");
        if (/^\s*COMMIT\s*$/i.test(query)) {
          commit(event.timestamp);
          break;
        }
        // A TRUNCATE writes no row event: bronze would keep the rows it removed.
        const emptied = truncatable.get(truncatedTable(query, event.schema ?? "") ?? "");
        if (emptied && compare([file, position], emptied.from) > 0) {
          return ending.finish(
            new DataError(
              `source ${db.name}, table ${emptied.table}: the table was truncated (binlog ${file}:${position}); the log holds no row of what it removed, so change capture cannot go on. Re-sync the table (smelter resync <spec> --table <name>) to take a new snapshot and continue from the log's head; nothing was written`,
            ),
          );
        }
        break;
      }
      default:
        break;
    }
    if (position > 0 && compare([file, position], to) === 0) ending.finish();
  });
  ending.armIdle();
  zongji.start({
    filename: start.file,
    position: start.offset,
    serverId: randomInt(1_000_000, 2 ** 31),
    includeSchema,
  });
  try {
    await ending.done;
  } catch (error) {
    // Transactions already handed over finish writing first: the caller cleans up its writers after this, and a
    // write still running then would open a part file nobody closes or removes.
    await writing.catch(() => undefined);
    throw error;
  }
  // Changes handed over before the end are written before the drain reports them.
  await writing;
  return { changes };
}

export const binlog: ChangeLog = {
  preflight,
  head,
  before: (a, b) => compare(a, b) < 0,
  snapshotOrder: (info, fallback) => {
    const at = info.binlog as { file?: string; offset?: number } | undefined;
    const { file, offset } = at?.file && typeof at.offset === "number" ? at : asPosition(fallback);
    return order(file as string, offset as number, 0);
  },
  locate: (db, consumer, from) => locate(db, from, consumer.table),
  // A table that drained from a shifted position stores the heads after it with the same shift.
  continued: (from, to) => stored({ ...asPosition(to), shift: asPosition(from).shift }),
  drain,
  sharedReads: "any",
  // The binlog keeps no reader's position: it is the extract watermark alone.
  confirm: async () => undefined,
};
