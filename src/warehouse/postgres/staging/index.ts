import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { BronzeLoad } from "../../types.ts";
import { columnType } from "../types.ts";
import { duckCsvFile, duckCsvStream } from "./fifo.ts";
import { dataQuery, download, keysAreUnique, keysQuery } from "./parquet.ts";
import type { StagedLoad, StagingSource } from "./types.ts";

/** No rows at all: a group whose batches landed no files. */
const EMPTY: StagingSource = () => {
  const rows = new PassThrough();
  rows.end();
  return { rows, finished: Promise.resolve() };
};

/** Loads of at most this many rows are printed to a file before COPY, not through a named pipe (see fifo.ts). */
const SMALL_LOAD_ROWS = 10_000;

/**
 * Prepares a bronze load for PostgreSQL: downloads the batches' files into the load's work directory and plans
 * the DuckDB queries that print them as COPY text, streamed when the commit asks for them.
 */
export async function stageLoad(
  duck: DuckDBConnection,
  load: BronzeLoad,
  log: (message: string) => void,
): Promise<StagedLoad> {
  const start = performance.now();
  const files = await download(load.zone, load.batches, load.workDir);
  const columns = load.columns.map((c) => ({ name: c.name, type: columnType(c) }));
  const query = await dataQuery(duck, load.batches, columns, files);
  const uniqueKeys = await keysAreUnique(duck, load.batches, load.table, files);
  const small = load.batches.reduce((n, b) => n + b.rows, 0) <= SMALL_LOAD_ROWS;
  const stream = (name: string, sql: string) =>
    small
      ? duckCsvFile(duck, join(load.workDir, `${name}.csv`), sql)
      : duckCsvStream(duck, join(load.workDir, `${name}.fifo`), sql);
  const last = load.batches.at(-1);
  const keys = last?.keyFiles ? await keysQuery(duck, last, load.table, files) : undefined;
  log(
    `downloaded ${files.size} file(s) and planned staging in ${Math.round(performance.now() - start)} ms (keys ${uniqueKeys ? "unique" : "repeat"})`,
  );
  return {
    ...load,
    columns,
    data: query ? (layout) => stream("data", query(layout)) : EMPTY,
    uniqueKeys,
    keys: keys === undefined ? undefined : keys ? () => stream("keys", keys) : EMPTY,
  };
}
