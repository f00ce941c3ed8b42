import { createHash } from "node:crypto";
import type pg from "pg";
import { hostTarget } from "../../db/pg.ts";
import { ConfigError, DataError, LogPurgedError, TransientError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { drainEnd } from "../drain-end.ts";
import { sourceError } from "../errors.ts";
import type { ChangeLog, DrainOptions, LogChange, LogConsumer, LogPosition } from "../types.ts";
import { connectPostgres } from "./connection.ts";

/**
 * PostgreSQL change capture by logical replication (`pgoutput`, read with `pg-logical-replication`). Each cdc
 * table has its own publication and replication slot, named after the consumer (`smelter_<pipeline>__<table>`).
 * A position is `[lsn]`. The head is a logical message the drain writes into the WAL at its start: when the
 * stream reaches it, every transaction that committed before it has been received. The slot's confirmed position
 * moves (`pg_replication_slot_advance`) only after the position is stored, so the server keeps the WAL a stopped
 * drain needs. A change's order is `commit LSN × 10^9 + index in its transaction`: transactions are decoded in
 * commit order, so this is log order.
 */

const OFFSET = 10n ** 9n;
const RESYNC =
  "Re-sync the table (smelter resync <spec> --table <name>) to take a new snapshot and continue from the log's head; nothing was written";
/** Session settings of the walsender: values print as a snapshot read prints them (see connection.ts). */
const SESSION = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3";

function lsn(text: unknown): bigint {
  const m = typeof text === "string" ? /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text) : null;
  if (!m)
    throw new ConfigError(`stored log position ${JSON.stringify(text)} is not an LSN; re-sync the table`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

function lsnText(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

function at(position: LogPosition): bigint {
  return lsn(position[0]);
}

/** A replication slot or publication name for the consumer: lower case, at most 63 bytes. */
function serverName(consumer: LogConsumer): string {
  const name = `smelter_${consumer.name}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}_${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

async function withClient<T>(db: ResolvedDatabase, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectPostgres(db, 0);
  try {
    return await work(client);
  } catch (error) {
    throw sourceError(error, `source ${db.name}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function preflight(db: ResolvedDatabase, consumer: LogConsumer): Promise<void> {
  await withClient(db, async (client) => {
    const problems: string[] = [];
    const level = (await client.query("SHOW wal_level")).rows[0]?.wal_level;
    if (level !== "logical")
      problems.push(`wal_level is ${level}: set wal_level = logical and restart the server`);
    const role = (
      await client.query("SELECT rolsuper OR rolreplication AS ok FROM pg_roles WHERE rolname = current_user")
    ).rows[0];
    if (!role?.ok) problems.push(`user ${db.user} may not replicate: ALTER ROLE ${db.user} REPLICATION`);
    const table = (
      await client.query("SELECT c.relreplident AS identity FROM pg_class c WHERE c.oid = to_regclass($1)", [
        consumer.table,
      ])
    ).rows[0];
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

async function head(
  db: ResolvedDatabase,
  consumer: LogConsumer,
  options: { start: boolean },
): Promise<LogPosition> {
  const name = serverName(consumer);
  return withClient(db, async (client) => {
    const slot = await client.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [name]);
    if (slot.rowCount === 0 && !options.start) {
      throw new LogPurgedError(
        `source ${db.name}, table ${consumer.table}: replication slot ${name} does not exist (dropped, or lost with its server), so the changes after the stored position are gone. ${RESYNC}`,
      );
    }
    const published = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [name]);
    if (published.rowCount === 0) {
      const table = (await client.query("SELECT to_regclass($1)::text AS t", [consumer.table])).rows[0]?.t;
      await client.query(`CREATE PUBLICATION "${name}" FOR TABLE ${table}`);
    }
    if (slot.rowCount === 0) {
      await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
    }
    const marker = await client.query("SELECT pg_logical_emit_message(false, 'smelter', $1)::text AS lsn", [
      consumer.name,
    ]);
    return [marker.rows[0].lsn as string];
  });
}

/** The slot's confirmed position, after checking it still holds `from` (and moving it up to `from`). */
async function checkSlot(db: ResolvedDatabase, consumer: LogConsumer, from: LogPosition): Promise<void> {
  const name = serverName(consumer);
  await withClient(db, async (client) => {
    const slot = (
      await client.query(
        "SELECT confirmed_flush_lsn::text AS confirmed, wal_status FROM pg_replication_slots WHERE slot_name = $1",
        [name],
      )
    ).rows[0];
    const where = `source ${db.name}, table ${consumer.table}`;
    const action = RESYNC;
    if (!slot || slot.wal_status === "lost") {
      throw new LogPurgedError(
        `${where}: replication slot ${name} ${slot ? "lost the WAL it held" : "does not exist"}, so the changes after position ${String(from[0])}, where change capture stopped, are gone. ${action}`,
      );
    }
    if (lsn(slot.confirmed) > at(from)) {
      throw new LogPurgedError(
        `${where}: replication slot ${name} has moved past position ${String(from[0])}, where change capture stopped (it confirmed ${slot.confirmed}). ${action}`,
      );
    }
    // A run that stored its position but died before confirming it.
    if (lsn(slot.confirmed) < at(from))
      await client.query("SELECT pg_replication_slot_advance($1, $2::pg_lsn)", [name, String(from[0])]);
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
  | { tag: "insert"; new: Row }
  | { tag: "update"; new: Row; old: Row | null }
  | { tag: "delete"; old: Row | null }
  | { tag: "truncate" }
  | { tag: "message"; messageLsn: string; prefix: string }
  | { tag: "origin" | "type" };

async function drain(db: ResolvedDatabase, options: DrainOptions): Promise<{ changes: number }> {
  const { to, signal } = options;
  const [only, ...more] = options.consumers;
  if (!only || more.length > 0)
    throw new ConfigError("a PostgreSQL drain reads one table: each cdc table has its own replication slot");
  const { consumer, from } = only;
  if (at(from) >= at(to)) return { changes: 0 };
  await checkSlot(db, consumer, from);
  const name = serverName(consumer);
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
  const end = at(to);
  let changes = 0;
  let pending: LogChange[] = [];
  let commit = 0n;
  let index = 0n;
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
  // the stored position and no further (the client adds one to what it is given).
  const alive = lsnText(at(from) - 1n);
  service.on("heartbeat", (_lsn: string, _time: number, respond: boolean) => {
    if (respond) service.acknowledge(alive).catch(() => undefined);
  });
  service.on("data", async (_lsn: string, message: Message) => {
    ending.armIdle();
    if (ending.settled) return;
    try {
      switch (message.tag) {
        case "begin":
          pending = [];
          commit = lsn(message.commitLsn) * OFFSET;
          index = 0n;
          break;
        case "insert":
          pending.push({
            op: "insert",
            order: (commit + index++).toString(),
            committedAt: 0,
            row: message.new,
          });
          break;
        case "update":
          index += 1n;
          pending.push({
            op: "update",
            order: (commit + index++).toString(),
            committedAt: 0,
            row: message.new,
            ...(message.old ? { before: message.old } : {}),
          });
          break;
        case "delete":
          pending.push({
            op: "delete",
            order: (commit + index++).toString(),
            committedAt: 0,
            row: message.old ?? {},
          });
          break;
        case "truncate":
          // The log carries no row of a truncated table, so bronze cannot learn which rows went.
          throw new DataError(
            `source ${db.name}, table ${consumer.table}: the table was truncated (transaction committed at ${lsnText(commit / OFFSET)}); the log holds no row of what it removed, so change capture cannot go on. ${RESYNC}`,
          );
        case "commit": {
          const committedAt = Number((message.commitTime as bigint) / 1000n);
          const batch = pending.map((c) => ({ ...c, committedAt }));
          pending = [];
          if (batch.length > 0) {
            changes += batch.length;
            await options.onChanges(consumer.name, batch);
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
  const streaming = service.subscribe(plugin, name, String(from[0])).catch((error) => {
    if (!ending.settled) throw error;
  });
  try {
    await Promise.race([ending.done, streaming.then(() => ending.done)]);
  } finally {
    await service.destroy().catch(() => undefined);
  }
  return { changes };
}

async function confirm(db: ResolvedDatabase, consumer: LogConsumer, position: LogPosition): Promise<void> {
  const name = serverName(consumer);
  await withClient(db, async (client) => {
    // The drain's walsender may still hold the slot for a moment after its connection closed.
    for (let attempt = 0; ; attempt++) {
      try {
        const slot = (
          await client.query(
            "SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1",
            [name],
          )
        ).rows[0];
        if (!slot || lsn(slot.confirmed) >= at(position)) return;
        await client.query("SELECT pg_replication_slot_advance($1, $2::pg_lsn)", [name, String(position[0])]);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "55006" || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
}

export const replication: ChangeLog = {
  preflight,
  head,
  before: (a, b) => at(a) < at(b),
  snapshotOrder: (_info, fallback) => (at(fallback) * OFFSET).toString(),
  // A slot holds its own position on the server: checked (and brought up to the stored one) by the drain.
  locate: async (_db, _consumer, from) => from,
  drain,
  sharedReads: false,
  confirm,
};
