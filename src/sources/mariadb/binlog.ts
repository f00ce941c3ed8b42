import { randomInt } from "node:crypto";
import type ZongJi from "@vlasky/zongji";
import { CancelledError, ConfigError, LogPurgedError, TransientError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";
import type { ChangeLog, DrainOptions, LogChange, LogConsumer, LogPosition } from "../types.ts";
import { connectMariadb } from "./connection.ts";

/**
 * MariaDB/MySQL change capture from the binary log, read with `@vlasky/zongji` as a replica would. A position is
 * `[binlog file, offset]` at a transaction boundary (what `SHOW MASTER STATUS` and MariaDB's
 * `Binlog_snapshot_file`/`Binlog_snapshot_position` give). A change's order is the number
 * `file sequence × 10^18 + event end offset × 10^6 + row index`, so changes compare in log order as numbers, and a
 * snapshot taken at offset P (order P × 10^6) sits above every change committed before it and below every later one.
 */

/** How long a drain may go without any event from the server before it gives up (the server is stuck or gone). */
const IDLE_MS = 60_000;
/** Transactions handed to the writer but not yet written at which the binlog connection is paused. */
const PAUSE_AT = 16;

const FILE_FACTOR = 10n ** 18n;
const OFFSET_FACTOR = 10n ** 6n;

/** The sequence number of a binlog file (`mariadb-bin.000042` → 42). */
function fileSeq(file: string): bigint {
  const m = /\.(\d+)$/.exec(file);
  if (!m) throw new ConfigError(`binlog file name "${file}" has no sequence number`);
  return BigInt(m[1] as string);
}

function order(file: string, offset: number, row: number): string {
  return (fileSeq(file) * FILE_FACTOR + BigInt(offset) * OFFSET_FACTOR + BigInt(row)).toString();
}

function asPosition(position: LogPosition): { file: string; offset: number } {
  const [file, offset] = position;
  if (typeof file !== "string" || typeof offset !== "number") {
    throw new ConfigError(
      `stored binlog position ${JSON.stringify(position)} is not [file, offset]; re-sync the table`,
    );
  }
  return { file, offset };
}

function compare(a: LogPosition, b: LogPosition): number {
  const x = asPosition(a);
  const y = asPosition(b);
  const seq = fileSeq(x.file) - fileSeq(y.file);
  if (seq !== 0n) return seq < 0n ? -1 : 1;
  return Math.sign(x.offset - y.offset);
}

/** Settings and grants change capture needs, checked in one round so that every problem is named at once. */
async function preflight(db: ResolvedDatabase, _consumer: LogConsumer): Promise<void> {
  const where = `source ${db.name} (${db.kind} ${db.host}:${db.port})`;
  const conn = await connectMariadb(db, 0);
  try {
    const [vars] = await conn.query(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'server_id')",
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
    const [rows] = await conn.query("SHOW MASTER STATUS");
    const row = (rows as unknown[][])[0];
    if (!row) throw new ConfigError(`source ${db.name}: SHOW MASTER STATUS is empty: the binary log is off`);
    return [String(row[0]), Number(row[1])];
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
  tableId?: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  rows?: unknown[];
}

/** Changes of one table in `(from, to]`, handed over a committed transaction at a time. */
async function drain(db: ResolvedDatabase, options: DrainOptions): Promise<{ changes: number }> {
  const { from, to, signal } = options;
  if (compare(from, to) >= 0) return { changes: 0 };
  await checkHeld(db, from, options.consumer.table);
  const start = asPosition(from);
  const target = splitTable(options.consumer.table, db.database);
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
  return await new Promise<{ changes: number }>((resolve, reject) => {
    let file = start.file;
    let pending: LogChange[] = [];
    let writing: Promise<void> = Promise.resolve();
    let inFlight = 0;
    let paused = false;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const connection = () =>
      (zongji as unknown as { connection?: { pause(): void; resume(): void } }).connection;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      signal.removeEventListener("abort", onAbort);
      zongji.removeAllListeners("binlog");
      zongji.stop();
      if (error !== undefined) {
        writing.catch(() => undefined);
        reject(error);
      } else writing.then(() => resolve({ changes }), reject);
    };
    const onAbort = () => finish(new CancelledError());
    signal.addEventListener("abort", onAbort);
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () =>
          finish(
            new TransientError(
              `source ${db.name}: no binlog event for ${IDLE_MS / 1000} s before reaching ${to.join(":")} (stopped at ${file}); a retry drains again from the stored position`,
            ),
          ),
        IDLE_MS,
      );
    };
    const commit = (committedAt: number) => {
      if (pending.length === 0) return;
      const batch = pending.map((c) => ({ ...c, committedAt }));
      pending = [];
      changes += batch.length;
      inFlight += 1;
      if (inFlight >= PAUSE_AT && !paused) {
        paused = true;
        connection()?.pause();
      }
      writing = writing.then(async () => {
        await options.onChanges(batch);
        inFlight -= 1;
        if (paused && inFlight <= PAUSE_AT / 4) {
          paused = false;
          connection()?.resume();
        }
      });
      writing.catch((error) => finish(error));
    };
    const rows = (changed: Row[], position: number, op: "insert" | "delete") => {
      changed.forEach((row, i) => {
        pending.push({ op, order: order(file, position, i * 2), committedAt: 0, row });
      });
    };
    zongji.on("error", (error: { code?: string; errno?: number; message?: string }) => {
      if (error.errno === 1236) {
        finish(
          new LogPurgedError(
            `source ${db.name}, table ${options.consumer.table}: the server cannot send the binary log from ${start.file}:${start.offset} (${error.message}); re-sync the table (smelter resync <spec> --table <name>); nothing was written`,
          ),
        );
      } else finish(sourceError(error, `source ${db.name} (binlog)`));
    });
    zongji.on("binlog", (event: BinlogEvent) => {
      armIdle();
      const name: string = event.getEventName();
      const position: number = event.nextPosition;
      if (position > 0 && compare([file, position], to) > 0) return finish();
      switch (name) {
        case "rotate":
          if (event.binlogName) file = event.binlogName;
          break;
        case "mariadbgtid":
        case "gtid":
          pending = [];
          break;
        case "writerows":
        case "deleterows":
        case "updaterows": {
          const map = event.tableMap?.[event.tableId ?? -1];
          const changed = (event.rows ?? []) as Row[];
          if (map?.parentSchema !== target.schema || map?.tableName !== target.name) break;
          if (name === "writerows") rows(changed, position, "insert");
          else if (name === "deleterows") rows(changed, position, "delete");
          else {
            (changed as { before: Row; after: Row }[]).forEach((r, i) => {
              const at = order(file, position, i * 2 + 1);
              pending.push({ op: "update", order: at, committedAt: 0, row: r.after, before: r.before });
            });
          }
          break;
        }
        case "xid":
          commit(event.timestamp);
          break;
        case "query":
          if (/^\s*COMMIT\s*$/i.test(String(event.query ?? ""))) commit(event.timestamp);
          break;
        default:
          break;
      }
      if (position > 0 && compare([file, position], to) === 0) finish();
    });
    armIdle();
    zongji.start({
      filename: start.file,
      position: start.offset,
      serverId: randomInt(1_000_000, 2 ** 31),
      includeSchema: { [target.schema]: [target.name] },
    });
  });
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
  drain,
  // The binlog keeps no reader's position: it is the extract watermark alone.
  confirm: async () => undefined,
};
