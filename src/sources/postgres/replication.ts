import { hostTarget } from "../../db/pg.ts";
import { ConfigError, DataError, TransientError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { drainEnd } from "../drain-end.ts";
import { sourceError } from "../errors.ts";
import type { ChangeLog, DrainOptions, LogChange, LogConsumer } from "../types.ts";
import {
  at,
  catalogTables,
  checkSlot,
  confirm,
  head,
  lsn,
  lsnText,
  RESYNC,
  serverName,
  withClient,
} from "./slot.ts";

/**
 * PostgreSQL change capture by logical replication (`pgoutput`, read with `pg-logical-replication`), through a
 * publication and replication slot per cdc table, or per source task for its cdc tables (slot.ts). A position is
 * `[lsn]`. The head is a logical message the drain writes into the WAL at its start: when the stream reaches it,
 * every transaction that committed before it has been received. One read of a group's slot serves all its tables:
 * it starts at the earliest of their positions, and a table skips the transactions that committed before its own.
 * The slot's confirmed position moves (`pg_replication_slot_advance`) only after every table reading through it
 * stored a position at or past it, so the server keeps the WAL a stopped drain needs. A change's order is
 * `commit LSN × 10^9 + index among its table's changes in its transaction`: transactions are decoded in commit
 * order, so this is log order, and a change keeps its order whichever other tables the read serves.
 */

const OFFSET = 10n ** 9n;
/** Session settings of the walsender: values print as a snapshot read prints them (see connection.ts). */
const SESSION = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3";

async function preflight(db: ResolvedDatabase, consumer: LogConsumer): Promise<void> {
  await withClient(db, async (client) => {
    const problems: string[] = [];
    const level = (await client.query("SHOW wal_level")).rows[0]?.wal_level;
    if (level !== "logical")
      problems.push(`wal_level is ${level}: set wal_level = logical and restart the server`);
    // A row when the user may replicate (values come back as text on a source connection: no boolean to read).
    const role = await client.query(
      "SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolreplication)",
    );
    if (role.rowCount === 0)
      problems.push(`user ${db.user} may not replicate: ALTER ROLE ${db.user} REPLICATION`);
    const [table] = await catalogTables(client, [consumer.table]);
    if (!table) problems.push(`table ${consumer.table} does not exist`);
    else if (table.identity !== "f")
      problems.push(
        `table ${consumer.table} logs only its key for updates and deletes: ALTER TABLE ${consumer.table} REPLICA IDENTITY FULL`,
      );
    if (problems.length > 0)
      throw new ConfigError(
        `source ${db.name}: change capture (mode cdc) needs logical replication: ${problems.join("; ")}`,
      );
  });
}

type Row = Record<string, unknown>;

interface Relation {
  schema: string;
  name: string;
  columns: { name: string; parser: (text: string) => unknown }[];
}

type Message =
  | { tag: "relation"; schema: string; name: string; columns: Relation["columns"] }
  | { tag: "begin"; commitLsn: string }
  | { tag: "commit"; commitTime: bigint }
  | { tag: "insert"; relation: Relation; new: Row }
  | { tag: "update"; relation: Relation; new: Row; old: Row | null }
  | { tag: "delete"; relation: Relation; old: Row | null }
  | { tag: "truncate"; relations: Relation[] }
  | { tag: "message"; messageLsn: string; prefix: string }
  | { tag: "origin" | "type" };

/** A table the drain lands changes of: from its own position on. */
interface Target {
  name: string;
  table: string;
  from: bigint;
  /** Its changes in the transaction being decoded, and the index of the next one. */
  pending: LogChange[];
  index: bigint;
}

async function drain(db: ResolvedDatabase, options: DrainOptions): Promise<{ changes: number }> {
  const { to, signal } = options;
  const end = at(to);
  const live = options.consumers.filter((c) => at(c.from) < end);
  const [first] = live;
  if (!first) return { changes: 0 };
  const name = serverName(first.consumer);
  if (live.some((c) => serverName(c.consumer) !== name))
    throw new ConfigError(
      `source ${db.name}: tables ${live.map((c) => c.consumer.table).join(", ")} read through different replication slots cannot share a drain`,
    );
  await checkSlot(db, live, options.stored, signal);
  const tables = await withClient(db, (client) =>
    catalogTables(
      client,
      live.map((c) => c.consumer.table),
    ),
  );
  const targets = new Map<string, Target>();
  live.forEach((c, i) => {
    const t = tables[i];
    if (!t) throw new ConfigError(`source ${db.name}: table ${c.consumer.table} does not exist`);
    targets.set(t.key, {
      name: c.consumer.name,
      table: c.consumer.table,
      from: at(c.from),
      pending: [],
      index: 0n,
    });
  });
  const start = live.reduce((min, c) => (at(c.from) < min ? at(c.from) : min), end);
  const { LogicalReplicationService, PgoutputPlugin } = await import("pg-logical-replication");
  const service = new LogicalReplicationService(
    { ...hostTarget(db), options: SESSION, application_name: "smelter-cdc" },
    { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
  );
  // Values as the server's text, as a snapshot read lands them: a relation's column parsers are replaced as the
  // relation is parsed, before any row of it (the stream parses messages ahead of the handler).
  class TextPgoutput extends PgoutputPlugin {
    override parse(buffer: Buffer) {
      const message = super.parse(buffer) as unknown as Message;
      if (message.tag === "relation") for (const c of message.columns) c.parser = (text: string) => text;
      return message as unknown as ReturnType<InstanceType<typeof PgoutputPlugin>["parse"]>;
    }
  }
  const plugin = new TextPgoutput({ protoVersion: 1, publicationNames: [name], messages: true });
  let changes = 0;
  let commit = 0n;
  const ending = drainEnd(
    signal,
    (seconds) =>
      new TransientError(
        `source ${db.name}: no replication message for ${seconds} s before reaching ${String(to[0])}; a retry drains again from the stored position`,
      ),
  );
  ending.armIdle();
  service.on("error", (error: Error) => ending.finish(sourceError(error, `source ${db.name} (replication)`)));
  // The server ends a walsender that does not answer its keepalives (wal_sender_timeout). The answer confirms
  // what every table of the slot stored and no further (the client adds one to what it is given).
  const alive = lsnText(at(options.stored) - 1n);
  service.on("heartbeat", (_lsn: string, _time: number, respond: boolean) => {
    if (respond) service.acknowledge(alive).catch(() => undefined);
  });
  /** The table a change is landed for: one of the drain's, whose position is before the transaction. */
  const target = (relation: Relation): Target | undefined => {
    const t = targets.get(`${relation.schema}.${relation.name}`);
    return t && commit >= t.from ? t : undefined;
  };
  service.on("data", async (_lsn: string, message: Message) => {
    ending.armIdle();
    if (ending.settled) return;
    try {
      switch (message.tag) {
        case "begin":
          commit = lsn(message.commitLsn);
          for (const t of targets.values()) {
            t.pending = [];
            t.index = 0n;
          }
          break;
        case "insert": {
          const t = target(message.relation);
          if (!t) break;
          t.pending.push({ op: "insert", order: order(t), committedAt: 0, row: message.new });
          break;
        }
        case "update": {
          const t = target(message.relation);
          if (!t) break;
          // The order before an update's is kept for the delete of its old key (encodeChanges).
          t.index += 1n;
          t.pending.push({
            op: "update",
            order: order(t),
            committedAt: 0,
            row: message.new,
            ...(message.old ? { before: message.old } : {}),
          });
          break;
        }
        case "delete": {
          const t = target(message.relation);
          if (!t) break;
          t.pending.push({ op: "delete", order: order(t), committedAt: 0, row: message.old ?? {} });
          break;
        }
        case "truncate":
          for (const relation of message.relations) {
            const t = target(relation);
            // The log carries no row of a truncated table, so bronze cannot learn which rows went.
            if (t)
              throw new DataError(
                `source ${db.name}, table ${t.table}: the table was truncated (transaction committed at ${lsnText(commit)}); the log holds no row of what it removed, so change capture cannot go on. ${RESYNC}`,
              );
          }
          break;
        case "commit": {
          const committedAt = Number((message.commitTime as bigint) / 1000n);
          for (const t of targets.values()) {
            if (t.pending.length === 0) continue;
            const batch = t.pending.map((c) => ({ ...c, committedAt }));
            t.pending = [];
            changes += batch.length;
            await options.onChanges(t.name, batch);
          }
          break;
        }
        case "message":
          if (message.prefix === "smelter" && lsn(message.messageLsn) >= end) ending.finish();
          break;
        default:
          break;
      }
    } catch (error) {
      ending.finish(error);
    }
  });
  const order = (t: Target) => (commit * OFFSET + t.index++).toString();
  const streaming = service.subscribe(plugin, name, lsnText(start)).catch((error) => {
    if (!ending.settled) throw error;
  });
  try {
    await Promise.race([ending.done, streaming.then(() => ending.done)]);
  } finally {
    await service.destroy().catch(() => undefined);
  }
  return { changes };
}

export const replication: ChangeLog = {
  preflight,
  head,
  before: (a, b) => at(a) < at(b),
  // Just below the head's: a transaction whose commit record starts right at the head (its first change of a
  // table ordered head × 10^9) committed after the head was read, and must sort above the snapshot's rows.
  snapshotOrder: (_info, fallback) => (at(fallback) * OFFSET - 1n).toString(),
  // A slot holds its own position on the server: checked (and brought up to the stored one) by the drain.
  locate: async (_db, _consumer, from) => from,
  continued: (_from, to) => to,
  drain,
  sharedReads: "group",
  confirm,
};
