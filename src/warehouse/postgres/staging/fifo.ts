import { execFile } from "node:child_process";
import { close, constants, createReadStream, open } from "node:fs";
import { rm } from "node:fs/promises";
import { Socket } from "node:net";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckString } from "../../../db/duckdb.ts";
import { STAGING_CSV, type StagingStream } from "./types.ts";

const run = promisify(execFile);
const openFd = promisify(open);
const closeFd = promisify(close);

/** DuckDB's COPY options for the staging CSV dialect (the characters themselves sit in the string literals). */
export const DUCK_CSV = `FORMAT csv, HEADER false, DELIMITER '${STAGING_CSV.delimiter}', QUOTE '${STAGING_CSV.quote}', ESCAPE '${STAGING_CSV.quote}'`;

/**
 * Staging rows fed by DuckDB through a named pipe: DuckDB's `COPY (query) TO '<fifo>'` writes CSV
 * (`STAGING_CSV`) while the warehouse's COPY reads it, so the rows are never written to disk and the CSV writer and the
 * warehouse's parser run at the same time.
 *
 * Both ends are opened non-blocking by this process before DuckDB starts: the read end (wrapped as a socket so
 * that empty reads wait instead of failing) and a spare write end that keeps the pipe from reporting end-of-file
 * before DuckDB has opened it. The spare end is closed once DuckDB is done, so readers see end-of-file only then;
 * when DuckDB fails, the rows stream is destroyed with DuckDB's error first.
 */
export function duckCsvStream(duck: DuckDBConnection, fifo: string, query: string): StagingStream {
  const rows = new PassThrough();
  const finished = (async () => {
    await rm(fifo, { force: true });
    await run("mkfifo", ["-m", "600", fifo]);
    const reader = await openFd(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const spare = await openFd(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const socket = new Socket({ fd: reader, readable: true, writable: false });
    socket.on("error", (error) => rows.destroy(error));
    let running = true;
    // A consumer that gives up: stop DuckDB, and discard what it still writes so that it never blocks on a full
    // pipe. The read end stays open until DuckDB is done, so DuckDB's open of the pipe never waits for a reader.
    rows.on("close", () => {
      if (!running) return;
      socket.unpipe(rows);
      socket.resume();
      duck.interrupt();
    });
    socket.pipe(rows);
    try {
      if (rows.destroyed) throw new Error("the staging rows were closed before DuckDB started");
      await duck.run(`COPY (${query}) TO ${duckString(fifo)} (${DUCK_CSV})`);
    } catch (error) {
      running = false;
      // Before the spare end closes: readers get the error, not an end-of-file that looks like success.
      rows.destroy(error as Error);
      throw error;
    } finally {
      running = false;
      await closeFd(spare);
      await rm(fifo, { force: true });
    }
  })();
  finished.catch((error: Error) => rows.destroy(error));
  return { rows, finished };
}

/**
 * Staging rows of a small load, printed by DuckDB into a plain file first and then streamed: making a named pipe
 * costs a `mkfifo` process (5-20 ms, most of a tiny commit's staging), while a few thousand rows print in a
 * millisecond or two, so nothing is gained by overlapping the two sides.
 */
export function duckCsvFile(duck: DuckDBConnection, file: string, query: string): StagingStream {
  const rows = new PassThrough();
  const finished = (async () => {
    await rm(file, { force: true });
    await duck.run(`COPY (${query}) TO ${duckString(file)} (${DUCK_CSV})`);
    createReadStream(file)
      .on("error", (error) => rows.destroy(error))
      .pipe(rows);
  })();
  finished.catch((error: Error) => rows.destroy(error));
  return { rows, finished };
}
