import type mysql from "mysql2/promise";
import { LogPurgedError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";
import type { LogPosition } from "../types.ts";
import { connectMariadb } from "./connection.ts";
import { GtidSet, isGtidSet } from "./gtid-set.ts";
import { asPosition, stored as asStored, compare, fileSeq } from "./position.ts";

/**
 * Where a stored binlog position is in the log of the server smelter reads now. A binlog file and offset name a
 * point in one server's log only: after a failover to a replica, the new primary's files have other names or
 * numbers, or the same names for other contents. The MariaDB GTID position recorded beside them names the same
 * point on every server of the topology, so when the server does not hold the file and offset as that GTID
 * position, the point is looked up by GTID. MariaDB has no statement that maps a GTID position to a file and
 * offset (`BINLOG_GTID_POS` maps the other way), so the lookup reads the `Gtid_list` event at the start of each
 * file to find the file the point is in, then that file's GTID events (`SHOW BINLOG EVENTS`) up to it, and has
 * the server confirm the result with `BINLOG_GTID_POS`. A MySQL position records a GTID set instead: the set at a
 * point is the set at the end of its file (the next file's `Previous_gtids` event, or `Executed_Gtid_Set` for the
 * newest file) less the transactions from the point to that end, so that checking a stored point reads only what
 * was written after it; the point is looked up from the newest file whose `Previous_gtids` the stored set holds.
 *
 * A change's order is built from its file's sequence number (position.ts). When the point found sorts before the
 * stored one (the new server numbers its files lower, or names them alike with other contents), changes read there
 * would sort below the rows bronze holds and be taken for changes already applied; so the position found carries a
 * shift of the file sequence that puts it one file above the stored point, and every change read from it (and the
 * heads the table stores after it) sorts above everything landed before.
 */

const RESYNC =
  "Re-sync the table (smelter resync <spec> --table <name>) to take a new snapshot and continue from the log's head; nothing was written";

/** Rows of `SHOW BINLOG EVENTS` read per round while a file is searched for a GTID position. */
const PAGE = 5_000;

/** A MariaDB GTID position by replication domain: `0-1-120,1-2-7` → {0: [1, 120], 1: [2, 7]}. */
type GtidPosition = Map<string, { server: string; seq: bigint }>;

const GTID = /(\d+)-(\d+)-(\d+)/g;

function parseGtids(text: string): GtidPosition {
  const out: GtidPosition = new Map();
  for (const m of text.matchAll(GTID))
    out.set(m[1] as string, { server: m[2] as string, seq: BigInt(m[3] as string) });
  return out;
}

function sameGtids(a: GtidPosition, b: GtidPosition): boolean {
  if (a.size !== b.size) return false;
  for (const [domain, x] of a) {
    const y = b.get(domain);
    if (!y || y.server !== x.server || y.seq !== x.seq) return false;
  }
  return true;
}

/** Whether the log state `state` is at or before `target` in every domain (a domain's sequence only grows). */
function notAfter(state: GtidPosition, target: GtidPosition): boolean {
  for (const [domain, x] of state) {
    const y = target.get(domain);
    if (!y || x.seq > y.seq) return false;
  }
  return true;
}

interface BinaryLog {
  name: string;
  size: number;
}

async function gtidPos(conn: mysql.Connection, file: string, offset: number): Promise<string | null> {
  const [rows] = await conn.query("SELECT BINLOG_GTID_POS(?, ?)", [file, offset]);
  const value = (rows as unknown[][])[0]?.[0];
  return value === null || value === undefined ? null : String(value);
}

/**
 * The Info of the event of type `type` among a binlog file's first events (MariaDB's `Gtid_list`, MySQL's
 * `Previous_gtids`: the GTID state the file starts with), or null when it has none.
 */
async function startEvent(conn: mysql.Connection, file: string, type: string): Promise<string | null> {
  const [rows] = await conn.query("SHOW BINLOG EVENTS IN ? LIMIT 5", [file]);
  const event = (rows as unknown[][]).find((r) => String(r[2]) === type);
  return event ? String(event[5] ?? "") : null;
}

/** The binlog events of `file` from `from` (an event's start), page by page: [name, pos, type, server, end, info]. */
async function* eventsOf(conn: mysql.Connection, file: string, from: number): AsyncIterable<unknown[]> {
  for (;;) {
    const [rows] = await conn.query("SHOW BINLOG EVENTS IN ? FROM ? LIMIT ?", [file, from, PAGE]);
    const events = rows as unknown[][];
    yield* events;
    const last = events.at(-1);
    if (events.length < PAGE || !last) return;
    from = Number(last[4]);
  }
}

/**
 * The file and offset in this server's log at which its GTID state is exactly `target` (a transaction boundary),
 * or null when its log holds no such point.
 */
async function findGtid(
  conn: mysql.Connection,
  logs: BinaryLog[],
  target: GtidPosition,
): Promise<{ file: string; offset: number } | null> {
  // The newest file that starts at or before the point holds it, if any file does.
  let found: { log: BinaryLog; state: GtidPosition } | null = null;
  for (const log of [...logs].reverse()) {
    const list = await startEvent(conn, log.name, "Gtid_list");
    if (list === null) return null;
    const state = parseGtids(list);
    if (notAfter(state, target)) {
      found = { log, state };
      break;
    }
  }
  if (!found) return null;
  const { log, state } = found;
  for await (const e of eventsOf(conn, log.name, 4)) {
    if (String(e[2]) !== "Gtid") continue;
    // The state before this transaction is the state at its first event.
    if (sameGtids(state, target)) return { file: log.name, offset: Number(e[1]) };
    const [gtid] = [...String(e[5] ?? "").matchAll(GTID)];
    if (!gtid) continue;
    state.set(gtid[1] as string, { server: gtid[2] as string, seq: BigInt(gtid[3] as string) });
    if (!notAfter(state, target)) return null;
  }
  return sameGtids(state, target) ? { file: log.name, offset: log.size } : null;
}

/**
 * The row of `SHOW MASTER STATUS` (file, position, ..., and on MySQL the executed GTID set), or undefined when the
 * binary log is off. MySQL 8.4 renamed the statement (MariaDB 10.5.2+ knows a third name, and the old one too).
 */
export async function binaryLogStatus(conn: mysql.Connection): Promise<unknown[] | undefined> {
  const [rows] = await conn
    .query("SHOW MASTER STATUS")
    .catch((error: { code?: string }) =>
      error.code === "ER_PARSE_ERROR" ? conn.query("SHOW BINARY LOG STATUS") : Promise.reject(error),
    );
  return (rows as unknown[][])[0];
}

/** The GTID a MySQL `Gtid` event starts, from `SHOW BINLOG EVENTS`' Info (`SET @@SESSION.GTID_NEXT= 'uuid:n'`). */
const GTID_NEXT = /GTID_NEXT\s*=\s*'([^']+)'/i;

/** The GTID set a MySQL binlog file starts with, from its `Previous_gtids` event. */
async function previousGtids(conn: mysql.Connection, file: string): Promise<GtidSet | null> {
  const info = await startEvent(conn, file, "Previous_gtids");
  return info === null ? null : GtidSet.parse(info);
}

/**
 * The GTID set of this MySQL server's log at `file`:`offset`: the set at the end of the file less the
 * transactions from the offset on. Null when the offset is no event's start there (another server's file).
 */
async function mysqlSetAt(
  conn: mysql.Connection,
  logs: BinaryLog[],
  file: string,
  offset: number,
): Promise<GtidSet | null> {
  const head = await binaryLogStatus(conn);
  const index = logs.findIndex((l) => l.name === file);
  let end: GtidSet | null;
  let endOffset: number;
  if (head && String(head[0]) === file) {
    end = GtidSet.parse(String(head[4] ?? ""));
    endOffset = Number(head[1]);
  } else {
    const next = logs[index + 1];
    end = next ? await previousGtids(conn, next.name) : null;
    endOffset = logs[index]?.size ?? 0;
  }
  if (end === null || offset > endOffset) return null;
  const after = GtidSet.empty();
  if (offset < endOffset) {
    try {
      for await (const e of eventsOf(conn, file, offset)) {
        if (Number(e[1]) >= endOffset) break;
        const gtid = GTID_NEXT.exec(String(e[5] ?? ""))?.[1];
        if (String(e[2]).startsWith("Gtid") && gtid) after.add(gtid);
      }
    } catch (error) {
      // ER_ERROR_WHEN_EXECUTING_COMMAND: no event starts at the offset.
      if ((error as { errno?: number }).errno === 1220) return null;
      throw error;
    }
  }
  return end.minus(after);
}

/**
 * The file and offset in this MySQL server's log at which its GTID set is exactly `target`, or null when its log
 * holds no such point (it has a transaction the target lacks before reaching it, or lacks the target's start).
 */
async function findGtidSet(
  conn: mysql.Connection,
  logs: BinaryLog[],
  target: GtidSet,
): Promise<{ file: string; offset: number } | null> {
  for (const log of [...logs].reverse()) {
    const state = await previousGtids(conn, log.name);
    if (state === null) return null;
    if (!state.within(target)) continue;
    let end = 4;
    for await (const e of eventsOf(conn, log.name, 4)) {
      end = Number(e[4]);
      const gtid = GTID_NEXT.exec(String(e[5] ?? ""))?.[1];
      if (!String(e[2]).startsWith("Gtid") || !gtid) continue;
      if (state.equals(target)) return { file: log.name, offset: Number(e[1]) };
      if (!target.has(gtid)) return null;
      state.add(gtid);
    }
    return state.equals(target) ? { file: log.name, offset: end } : null;
  }
  return null;
}

/** MariaDB: the point `findGtid` finds, when `BINLOG_GTID_POS` of it gives the same GTID position. */
async function confirmedGtid(
  conn: mysql.Connection,
  logs: BinaryLog[],
  gtid: GtidPosition,
): Promise<{ file: string; offset: number } | null> {
  const found = await findGtid(conn, logs, gtid);
  if (!found) return null;
  const confirmed = await gtidPos(conn, found.file, found.offset);
  return confirmed !== null && sameGtids(parseGtids(confirmed), gtid) ? found : null;
}

/**
 * The stored position `from` as this server names it: `from` itself when the server holds its file and offset
 * and (for a position with a GTID position) its log is at that GTID position there; else the file and
 * offset where the server's log holds that GTID position, with the shift that orders its changes above the stored
 * point's (see the module comment); else a LogPurgedError.
 */
export async function locate(db: ResolvedDatabase, from: LogPosition, table: string): Promise<LogPosition> {
  const stored = asPosition(from);
  const where = `source ${db.name}, table ${table}`;
  const mysqlSet = stored.gtid !== null && isGtidSet(stored.gtid) ? GtidSet.parse(stored.gtid) : null;
  const gtid = stored.gtid !== null && mysqlSet === null ? parseGtids(stored.gtid) : null;
  const conn = await connectMariadb(db, 0);
  try {
    const [rows] = await conn.query("SHOW BINARY LOGS");
    const logs = (rows as unknown[][]).map((r) => ({ name: String(r[0]), size: Number(r[1]) }));
    const held = logs.find((l) => l.name === stored.file);
    if (held && (stored.offset <= held.size || mysqlSet)) {
      if (mysqlSet) {
        const at = await mysqlSetAt(conn, logs, stored.file, stored.offset);
        if (at?.equals(mysqlSet)) return from;
      } else {
        if (gtid === null) return from;
        const at = await gtidPos(conn, stored.file, stored.offset);
        if (at !== null && sameGtids(parseGtids(at), gtid)) return from;
      }
      // The file is there but that point is another: a server that names its files alike.
    }
    const found = mysqlSet
      ? await findGtidSet(conn, logs, mysqlSet)
      : gtid === null || gtid.size === 0
        ? null
        : await confirmedGtid(conn, logs, gtid);
    if (found) {
      const below = compare([found.file, found.offset], from) < 0;
      const shift = below
        ? Number(fileSeq(stored.file) + BigInt(stored.shift) - fileSeq(found.file) + 1n)
        : stored.shift;
      return asStored({ ...found, gtid: stored.gtid, shift });
    }
    const oldest = logs[0] ? `${logs[0].name}:4` : "none";
    throw new LogPurgedError(
      `${where}: the binary log no longer holds position ${stored.file}:${stored.offset}${stored.gtid ? ` (GTID position ${stored.gtid})` : ""}, where change capture stopped (oldest held: ${oldest}); changes after it are lost to the log. ${RESYNC}`,
    );
  } catch (error) {
    throw sourceError(error, `source ${db.name}`);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
