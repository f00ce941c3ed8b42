import { createRequire } from "node:module";
import type { Connection as CoreConnection } from "mysql2";
import { CancelledError } from "../../errors.ts";
import { sourceError } from "../errors.ts";
import type { ColumnMapping, CsvRows } from "../types.ts";
import { WireCsvEncoder, wireColumns } from "./wire-csv.ts";

/**
 * How a read turns rows into CSV. `wire`: from the row packets' bytes, by a hook into mysql2's query command
 * (fast, but bound to mysql2's internals); `rows`: from the rows mysql2 decodes and emits (its public row events).
 */
export type CsvReader = "wire" | "rows";

/** The parts of mysql2's query command (lib/commands/query.js) that a wire read hooks into. */
interface QueryCommand {
  on(event: "fields", listener: (fields: { columnType: number }[]) => void): void;
  on(event: "result", listener: (row: unknown[]) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  on(event: "end", listener: () => void): void;
  /** The state that handles each row packet; an own property shadows the prototype's. */
  row: RowState;
  _rowParser: { next(packet: Packet, fields: unknown, options: unknown): unknown[] } | null;
  _currentFields: unknown;
  options: unknown;
}

/** mysql2's packet: one object reused for every packet a socket chunk holds, the chunk itself is not reused. */
interface Packet {
  buffer: Buffer;
  start: number;
  offset: number;
  end: number;
  isEOF(): boolean;
}

type PacketClass = new (sequenceId: number, buffer: Buffer, start: number, end: number) => Packet;

type RowState = (this: QueryCommand, packet: Packet, connection: unknown) => unknown;

/** Encoded chunks held before the connection is paused (mysql2 stops reading the socket). */
const READY_CHUNKS = 2;

/**
 * What the wire reader relies on in mysql2's internals and does not find, or null when everything is there.
 * mysql2 is pinned exactly for these hooks; this check keeps a different version from silently landing nothing
 * (a query whose row state is not the hooked one would deliver its rows to no one).
 */
export function missingWireHooks(): string | null {
  const missing: string[] = [];
  const require = createRequire(import.meta.url);
  const mysql2 = require("mysql2") as {
    createQuery?: (sql: object, values: undefined, cb: undefined, config: object) => object;
    Connection?: { prototype: Record<string, unknown> };
  };
  const source = (f: unknown) => (typeof f === "function" ? Function.prototype.toString.call(f) : "");
  if (typeof mysql2.createQuery !== "function") {
    missing.push("mysql2.createQuery");
  } else {
    const command = mysql2.createQuery({ sql: "SELECT 1", rowsAsArray: true }, undefined, undefined, {});
    const proto = Object.getPrototypeOf(command) as Record<string, unknown>;
    if (!/this\._rowParser\.next\(/.test(source(proto.row)))
      missing.push("Query.prototype.row parsing with _rowParser.next");
    // The row state is entered through `this.row`, so that an own property of the command replaces it.
    if (!/return this\.row\b/.test(source(proto.fieldsEOF)))
      missing.push("Query.prototype.fieldsEOF returning this.row");
    for (const field of ["_rowParser", "_currentFields"]) {
      if (!(field in command)) missing.push(`Query#${field}`);
    }
    if (!/this\.options\s*=/.test(source(proto.start))) missing.push("Query#options set by start");
    if (typeof (command as { on?: unknown }).on !== "function") missing.push("Query#on");
  }
  for (const method of ["pause", "resume"]) {
    if (typeof mysql2.Connection?.prototype[method] !== "function") missing.push(`Connection#${method}`);
  }
  try {
    // Not exported: required from inside the package, relative to its entry file.
    const Packet = createRequire(require.resolve("mysql2"))("./lib/packets/packet.js") as PacketClass;
    const packet = new Packet(0, Buffer.alloc(4), 0, 4);
    if (typeof packet.isEOF !== "function") missing.push("Packet#isEOF");
    for (const field of ["buffer", "start", "offset", "end"] as const) {
      if (packet[field] === undefined) missing.push(`Packet#${field}`);
    }
  } catch {
    missing.push("lib/packets/packet.js");
  }
  return missing.length > 0 ? missing.join(", ") : null;
}

/**
 * Runs a query on a mysql2 connection and yields its rows as CSV chunks (see wire-csv.ts). With the `wire`
 * reader the query command's row state is replaced by one that encodes the row packets' bytes; mysql2 still
 * frames packets, reads column definitions and handles the end of the result and errors. With the `rows` reader
 * the rows mysql2 decodes and emits are encoded. The connection is paused while `READY_CHUNKS` chunks wait, so
 * memory stays bounded. `onLastRow` receives the read's last row decoded by mysql2's own row parser (the same
 * values `stream` gives), once the result ends.
 */
export async function* csvChunks(
  core: CoreConnection,
  query: { sql: string; values: unknown[] },
  options: {
    reader: CsvReader;
    mappings: ColumnMapping[];
    partRows: number;
    signal: AbortSignal;
    where: string;
    onLastRow: (row: unknown[]) => void;
  },
): AsyncIterable<CsvRows> {
  const ready: CsvRows[] = [];
  let ended = false;
  let failed: { error: unknown } | null = null;
  let paused = false;
  let dropping = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  let encoder: WireCsvEncoder | null = null;
  // Where the last row packet's bytes are (its packet object is reused for the next packet).
  let last: { buffer: Buffer; start: number; end: number } | null = null;
  const command = core.query({ ...query, rowsAsArray: true }) as unknown as QueryCommand;
  const prototypeRow = Object.getPrototypeOf(command).row as RowState;
  command.on("fields", (fields) => {
    const columns = wireColumns(
      options.mappings,
      fields.map((f) => f.columnType),
    );
    encoder = new WireCsvEncoder(columns, options.partRows, (chunk) => {
      ready.push(chunk);
      if (ready.length >= READY_CHUNKS && !paused) {
        paused = true;
        core.pause();
      }
      notify();
    });
  });
  const row: RowState = function (this: QueryCommand, packet, connection) {
    if (packet.isEOF()) {
      if (!dropping) {
        try {
          if (last && this._rowParser) {
            const copy = new (packet.constructor as PacketClass)(0, last.buffer, last.start, last.end);
            options.onLastRow(this._rowParser.next(copy, this._currentFields, this.options));
          }
          encoder?.flush();
        } catch (error) {
          failed ??= { error };
        }
      }
      return prototypeRow.call(this, packet, connection);
    }
    if (!dropping) {
      try {
        (encoder as WireCsvEncoder).row(packet.buffer, packet.offset, packet.end);
        if (last === null) last = { buffer: packet.buffer, start: packet.start, end: packet.end };
        else {
          last.buffer = packet.buffer;
          last.start = packet.start;
          last.end = packet.end;
        }
      } catch (error) {
        failed ??= { error };
        dropping = true;
        notify();
      }
    }
    return row;
  };
  let lastRow: unknown[] | null = null;
  if (options.reader === "wire") {
    command.row = row;
  } else {
    command.on("result", (values) => {
      if (dropping) return;
      try {
        (encoder as WireCsvEncoder).decoded(values);
        lastRow = values;
      } catch (error) {
        failed ??= { error };
        dropping = true;
        notify();
      }
    });
  }
  command.on("error", (error) => {
    failed ??= { error };
    notify();
  });
  command.on("end", () => {
    if (options.reader === "rows" && !dropping && !failed) {
      try {
        if (lastRow) options.onLastRow(lastRow);
        encoder?.flush();
      } catch (error) {
        failed ??= { error };
      }
    }
    ended = true;
    notify();
  });
  const abort = () => {
    failed ??= { error: new CancelledError() };
    notify();
  };
  options.signal.addEventListener("abort", abort, { once: true });
  try {
    for (;;) {
      if (failed) throw (failed as { error: unknown }).error;
      const chunk = ready.shift();
      if (chunk) {
        if (paused && ready.length < READY_CHUNKS) {
          paused = false;
          core.resume();
        }
        yield chunk;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } catch (error) {
    if (options.signal.aborted) throw new CancelledError();
    throw sourceError(error, options.where);
  } finally {
    options.signal.removeEventListener("abort", abort);
    if (!ended) {
      // The consumer stopped early: the rest of the result is read and dropped, so the connection stays usable.
      dropping = true;
      ready.length = 0;
      if (paused) {
        paused = false;
        core.resume();
      }
    }
  }
}
