import { createHash } from "node:crypto";
import type { ResolvedDatabase } from "../spec/resolve.ts";

/**
 * Source connections kept from one snapshot to the next, per connection settings: connecting, authenticating and
 * the session settings cost a tiny extract 10-25 ms. A snapshot gives its connection back only when it ended
 * cleanly (its transaction committed, no read left half-consumed); anything else closes it. An idle connection
 * does not keep the process alive (a `smelter run` still exits when it is done) and is closed after `IDLE_MS`.
 */

/** Idle connections kept per settings at most. */
const KEEP = 4;
/** An idle connection is closed after this long, far below the servers' own idle timeouts. */
const IDLE_MS = 30_000;

/** How a driver's connection is closed, and held or let go of by the event loop. */
export interface ConnectionHandle<C> {
  end(connection: C): Promise<void>;
  /** `true`: the connection's socket keeps the process alive again (in use); `false`: it no longer does (idle). */
  hold(connection: C, held: boolean): void;
}

export class KeptConnections<C> {
  private readonly idle = new Map<string, { connection: C; timer: NodeJS.Timeout }[]>();

  constructor(private readonly handle: ConnectionHandle<C>) {}

  /** An idle connection of these settings (see `settingsKey`), now held; undefined when none is kept. */
  take(key: string): C | undefined {
    const entry = this.idle.get(key)?.pop();
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.handle.hold(entry.connection, true);
    return entry.connection;
  }

  /** Keeps a connection that ended its snapshot cleanly for the next one, or closes it when enough are kept. */
  give(key: string, connection: C): Promise<void> {
    const list = this.idle.get(key) ?? [];
    if (list.length >= KEEP) return this.handle.end(connection);
    this.handle.hold(connection, false);
    const entry = {
      connection,
      timer: setTimeout(() => {
        const at = list.indexOf(entry);
        if (at >= 0) list.splice(at, 1);
        void this.handle.end(connection);
      }, IDLE_MS),
    };
    entry.timer.unref();
    list.push(entry);
    this.idle.set(key, list);
    return Promise.resolve();
  }
}

/** The key of a connection's settings (credentials included, hashed): connections are kept per key. */
export function settingsKey(db: ResolvedDatabase, statementTimeoutMs: number): string {
  return createHash("sha256")
    .update(JSON.stringify([db, statementTimeoutMs]))
    .digest("hex");
}
