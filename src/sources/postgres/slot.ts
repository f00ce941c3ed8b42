import { createHash } from "node:crypto";
import type pg from "pg";
import { ConfigError, LogPurgedError, TransientError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";
import type { LogConsumer, LogPosition } from "../types.ts";
import { connectPostgres } from "./connection.ts";

/**
 * What the server keeps for a PostgreSQL change-capture reader: a publication and a logical replication slot of
 * the same name, one per cdc table (`smelter_<pipeline>__<table>`) or, for the cdc tables of a source task, one
 * per group (`smelter_src_<pipeline>__<source>`), its publication holding every table of the group. The slot's
 * confirmed position is what the server may recycle the WAL before: it is moved only up to a position every table
 * reading through the slot has stored.
 */

export const RESYNC =
  "Re-sync the table (smelter resync <spec> --table <name>) to take a new snapshot and continue from the log's head; nothing was written";

/** How long a drain waits for a slot still held by a reader that just stopped (a killed process's walsender). */
const BUSY_WAIT_MS = 10_000;
/** PostgreSQL's object_in_use: the slot is held by another walsender. */
const SLOT_IN_USE = "55006";

export function lsn(text: unknown): bigint {
  const m = typeof text === "string" ? /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text) : null;
  if (!m)
    throw new ConfigError(`stored log position ${JSON.stringify(text)} is not an LSN; re-sync the table`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function lsnText(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function at(position: LogPosition): bigint {
  return lsn(position[0]);
}

/**
 * The replication slot and publication name of a reader's name: `smelter_<name>` in lower case, at most 63 bytes
 * (PostgreSQL's limit): a longer one keeps its first 54 characters and a hash of the whole.
 */
export function slotName(reader: string): string {
  const name = `smelter_${reader}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}_${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** The slot and publication a consumer reads through: its group's, or its own. */
export function serverName(consumer: LogConsumer): string {
  return slotName(consumer.group?.name ?? consumer.name);
}

/** The source tables reading through the consumer's slot, for errors that concern them all. */
export function readersOf(consumer: LogConsumer): string {
  const tables = consumer.group ? consumer.group.members.map((m) => m.table) : [consumer.table];
  return tables.length === 1 ? `table ${tables[0]}` : `tables ${tables.join(", ")}`;
}

export async function withClient<T>(
  db: ResolvedDatabase,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connectPostgres(db, 0);
  try {
    return await work(client);
  } catch (error) {
    throw sourceError(error, `source ${db.name}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A table as the catalog names it (`schema.name`, as pgoutput's relation messages do), or null when missing. */
export interface CatalogTable {
  key: string;
  sql: string;
  identity: string;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The tables the spec names (`schema.table`, or on the search path) as the catalog has them. */
export async function catalogTables(client: pg.Client, tables: string[]): Promise<(CatalogTable | null)[]> {
  const { rows } = await client.query<{ i: number; schema: string | null; name: string; identity: string }>(
    `SELECT t.i, n.nspname AS schema, c.relname AS name, c.relreplident AS identity
       FROM unnest($1::text[]) WITH ORDINALITY AS t(name, i)
       LEFT JOIN pg_class c ON c.oid = to_regclass(t.name)
       LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [tables],
  );
  const out: (CatalogTable | null)[] = tables.map(() => null);
  for (const r of rows) {
    if (r.schema === null) continue;
    out[Number(r.i) - 1] = {
      key: `${r.schema}.${r.name}`,
      sql: `${quote(r.schema)}.${quote(r.name)}`,
      identity: r.identity,
    };
  }
  return out;
}

/**
 * Makes the consumer's publication hold exactly its tables (the group's, or its own): created when missing,
 * altered when a table joined or left the group. A table that does not log its whole old row (REPLICA IDENTITY
 * FULL) is left out: its own preflight names what it lacks, and a table without a replica identity in a
 * publication of updates would have its updates refused at the source.
 */
async function publish(client: pg.Client, consumer: LogConsumer): Promise<void> {
  const name = serverName(consumer);
  const tables = consumer.group ? consumer.group.members.map((m) => m.table) : [consumer.table];
  const wanted = (await catalogTables(client, tables)).filter(
    (t): t is CatalogTable => t !== null && t.identity === "f",
  );
  const exists = (await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [name])).rowCount;
  if (!exists) {
    if (wanted.length === 0) return;
    await client.query(`CREATE PUBLICATION ${quote(name)} FOR TABLE ${wanted.map((t) => t.sql).join(", ")}`);
    return;
  }
  const { rows } = await client.query<{ schema: string; name: string }>(
    "SELECT schemaname AS schema, tablename AS name FROM pg_publication_tables WHERE pubname = $1",
    [name],
  );
  const held = new Set(rows.map((r) => `${r.schema}.${r.name}`));
  const keys = new Set(wanted.map((t) => t.key));
  const add = wanted.filter((t) => !held.has(t.key)).map((t) => t.sql);
  const drop = rows
    .filter((r) => !keys.has(`${r.schema}.${r.name}`))
    .map((r) => `${quote(r.schema)}.${quote(r.name)}`);
  if (add.length > 0) await client.query(`ALTER PUBLICATION ${quote(name)} ADD TABLE ${add.join(", ")}`);
  if (drop.length > 0) await client.query(`ALTER PUBLICATION ${quote(name)} DROP TABLE ${drop.join(", ")}`);
}

/** A missing slot: every table reading through it lost the changes after its stored position. */
function missingSlot(db: ResolvedDatabase, consumer: LogConsumer, detail: string): LogPurgedError {
  const name = serverName(consumer);
  const many = consumer.group && consumer.group.members.length > 1;
  return new LogPurgedError(
    `source ${db.name}, ${readersOf(consumer)}: replication slot ${name} ${detail}, so the changes after the stored position${many ? "s" : ""} are gone (the slot was dropped, lost with its server, or the spec's airflow.granularity changed: a task per source reads its cdc tables through one slot per source, a task per table through one per table). ${many ? `${RESYNC.replace("Re-sync the table", "Re-sync each of these tables")}` : RESYNC}`,
  );
}

/**
 * The log's head: a logical message written into the WAL now. The consumer's publication is brought up to date
 * first, and with `start` the slot is created when missing, or made anew when it lost its WAL (a snapshot is joined
 * to this head; a lost slot can never be read again); without it a missing slot is a LogPurgedError.
 */
export async function head(
  db: ResolvedDatabase,
  consumer: LogConsumer,
  options: { start: boolean },
): Promise<LogPosition> {
  const name = serverName(consumer);
  return withClient(db, async (client) => {
    // Values come back as the server's text on a source connection: the status is compared as text.
    const slot = (
      await client.query<{ wal_status: string | null }>(
        "SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1",
        [name],
      )
    ).rows[0];
    if (!slot && !options.start) throw missingSlot(db, consumer, "does not exist");
    await publish(client, consumer);
    const lost = slot?.wal_status === "lost";
    if (lost && options.start) await client.query("SELECT pg_drop_replication_slot($1)", [name]);
    if (!slot || (lost && options.start)) {
      await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
    }
    const marker = await client.query("SELECT pg_logical_emit_message(false, 'smelter', $1)::text AS lsn", [
      consumer.name,
    ]);
    return [marker.rows[0].lsn as string];
  });
}

/**
 * Before a drain: the slot exists, holds its WAL, is not being read, and has confirmed nothing past any drained
 * table's position (else a LogPurgedError); its confirmed position is then brought up to `stored` (a run that
 * stored its positions but died before confirming them).
 */
export async function checkSlot(
  db: ResolvedDatabase,
  consumers: { consumer: LogConsumer; from: LogPosition }[],
  stored: LogPosition,
  signal: AbortSignal,
): Promise<void> {
  const [first] = consumers;
  if (!first) return;
  const name = serverName(first.consumer);
  await withClient(db, async (client) => {
    const started = Date.now();
    for (;;) {
      const slot = (
        await client.query<{ confirmed: string; wal_status: string | null; pid: number | null }>(
          "SELECT confirmed_flush_lsn::text AS confirmed, wal_status, active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1",
          [name],
        )
      ).rows[0];
      if (!slot) throw missingSlot(db, first.consumer, "does not exist");
      if (slot.wal_status === "lost") throw missingSlot(db, first.consumer, "lost the WAL it held");
      const past = consumers.filter((c) => lsn(slot.confirmed) > at(c.from));
      if (past.length > 0) {
        throw new LogPurgedError(
          `source ${db.name}, ${past.map((c) => `table ${c.consumer.table} (position ${String(c.from[0])})`).join(", ")}: replication slot ${name} has confirmed ${slot.confirmed}, past where change capture stopped (the table was out of the slot's tables for a while, or the slot was made again), so the changes in between are gone. ${RESYNC}`,
        );
      }
      if (slot.pid !== null) {
        if (Date.now() - started > BUSY_WAIT_MS || signal.aborted) {
          throw new TransientError(
            `source ${db.name}, ${readersOf(first.consumer)}: replication slot ${name} is being read by another process (pid ${slot.pid}), another drain of the same tables; a retry drains once it is free`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (lsn(slot.confirmed) < at(stored)) {
        try {
          await client.query("SELECT pg_replication_slot_advance($1, $2::pg_lsn)", [name, String(stored[0])]);
        } catch (error) {
          // Another reader took the slot since it was looked at: wait for it as above.
          if ((error as { code?: string }).code !== SLOT_IN_USE) throw error;
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
      }
      return;
    }
  });
}

/** Moves the slot's confirmed position up to `position` (never back). */
export async function confirm(
  db: ResolvedDatabase,
  consumer: LogConsumer,
  position: LogPosition,
): Promise<void> {
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
        if ((error as { code?: string }).code !== SLOT_IN_USE) throw error;
        if (attempt >= 50) {
          throw new TransientError(
            `source ${db.name}, ${readersOf(consumer)}: replication slot ${name} is being read by another process, so it could not confirm ${String(position[0])}; the position is stored, and a retry (or the next drain) confirms it`,
            error,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
}
