import type { Connection as CoreConnection } from "mysql2";
import { CancelledError } from "../../errors.ts";
import { sourceError } from "../errors.ts";
import type { ColumnMapping, CsvRows } from "../types.ts";
import { WireCsvEncoder, wireColumns } from "./wire-csv.ts";

/** The parts of mysql2's query command (lib/commands/query.js) that a wire read hooks into. */
interface QueryCommand {
  on(event: "fields", listener: (fields: { columnType: number }[]) => void): void;
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
 * Runs a query on a mysql2 connection and yields its rows as CSV chunks encoded from the row packets (see
 * wire-csv.ts). The query command's row state is replaced by one that feeds the encoder; mysql2 still frames
 * packets, reads column definitions and handles the end of the result and errors. The connection is paused
 * while `READY_CHUNKS` chunks wait, so memory stays bounded. `onLastRow` receives the read's last row decoded
 * by mysql2's own row parser (the same values `stream` gives), once the result ends.
 */
export async function* wireCsvChunks(
  core: CoreConnection,
  query: { sql: string; values: unknown[] },
  options: {
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
  command.row = row;
  command.on("error", (error) => {
    failed ??= { error };
    notify();
  });
  command.on("end", () => {
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
