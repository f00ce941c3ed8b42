import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckIdent, duckString } from "../../../db/duckdb.ts";
import { DataError } from "../../../errors.ts";
import type { BatchManifest, LandingZone } from "../../../landing/types.ts";
import type { TableSpec } from "../../../spec/types.ts";
import type { StagingColumn, StagingLayout } from "./types.ts";

/**
 * Turns landed parquet into the staging rows a warehouse loads. PostgreSQL cannot read parquet, so DuckDB
 * prints the batches' rows as CSV for COPY, adding the batch id, the batch's position in the group and the row's
 * position in the batch (the landing order that breaks cursor ties). Values stay exact: DECIMAL and UBIGINT print
 * all digits, timestamps print in UTC with microseconds, BLOBs as `\x` hex (PostgreSQL's bytea input), nested
 * values as JSON text.
 */

/** A DuckDB expression that prints a column the way PostgreSQL's COPY reads it. */
function csvExpr(name: string, duckType: string | undefined): string {
  const col = duckIdent(name);
  if (duckType === undefined) return "NULL";
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  if (decimal && Number(decimal[1]) > 18 && Number(decimal[2]) < 18) {
    // DuckDB prints 128-bit decimals several times slower than 64-bit ones; the digits are the same, so values
    // that fit 18 digits go through the 64-bit type.
    const narrow = `DECIMAL(18,${decimal[2]})`;
    return `coalesce(TRY_CAST(${col} AS ${narrow})::VARCHAR, ${col}::VARCHAR)`;
  }
  if (duckType === "BLOB") return `'\\x' || hex(${col})`;
  if (/\[\]$|^(STRUCT|MAP|UNION)\b/.test(duckType)) return `to_json(${col})::VARCHAR`;
  return col;
}

/** Where a group's files were downloaded: landing key → local path. */
export type LocalFiles = Map<string, string>;

/** Files downloaded at the same time: enough to hide an object store's latency, few enough for its limits. */
const DOWNLOADS = 4;

/** Downloads every data and key file of the batches into `dir`. */
export async function download(
  zone: LandingZone,
  batches: BatchManifest[],
  dir: string,
): Promise<LocalFiles> {
  const keys = batches.flatMap((b) => [...b.files, ...(b.keyFiles ?? [])].map((f) => f.key));
  const files: LocalFiles = new Map(keys.map((key, n) => [key, join(dir, `f${n}.parquet`)]));
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await zone.getFile(key, files.get(key) as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOWNLOADS, keys.length) }, worker));
  return files;
}

async function duckTypes(duck: DuckDBConnection, path: string): Promise<Map<string, string>> {
  const described = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${duckString(path)})`);
  return new Map(described.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]));
}

/** Column types of a batch's data files (the files of one batch share a schema). */
async function batchTypes(
  duck: DuckDBConnection,
  batch: BatchManifest,
  files: LocalFiles,
): Promise<Map<string, string>> {
  const first = batch.files[0];
  return first ? duckTypes(duck, files.get(first.key) as string) : new Map();
}

/**
 * How to print the group's data rows for COPY: a query per staging layout (data columns, then the layout's
 * bookkeeping columns), or null when the batches hold no files.
 */
export async function dataQuery(
  duck: DuckDBConnection,
  batches: BatchManifest[],
  columns: StagingColumn[],
  files: LocalFiles,
): Promise<((layout: StagingLayout) => string) | null> {
  const parts: { exprs: string[]; batchId: string; seq: number; index: number; path: string }[] = [];
  for (const [seq, batch] of batches.entries()) {
    const types = await batchTypes(duck, batch, files);
    const exprs = columns.map((c) => `${csvExpr(c.name, types.get(c.name))} AS ${duckIdent(c.name)}`);
    for (const [index, file] of batch.files.entries()) {
      parts.push({ exprs, batchId: batch.batchId, seq, index, path: files.get(file.key) as string });
    }
  }
  if (parts.length === 0) return null;
  return (layout) =>
    parts
      .map((p) => {
        const batch = `${duckString(p.batchId)} AS _smelter_batch_id`;
        const meta =
          layout.target === "staging"
            ? [
                batch,
                `${p.seq} AS _smelter_batch_seq, (${p.index}::BIGINT << 40) + file_row_number AS _smelter_row`,
              ]
            : "loadedAt" in layout
              ? [batch, `${duckString(layout.loadedAt)} AS _smelter_loaded_at`]
              : [];
        return `SELECT ${[...p.exprs, ...meta].join(", ")}
           FROM read_parquet(${duckString(p.path)}, file_row_number = true)`;
      })
      .join("\nUNION ALL\n");
}

/**
 * Whether no primary key occurs twice among the group's rows. Decided in DuckDB (a hash aggregate over the key
 * columns only), which is far cheaper than the warehouse's sort; only trusted when the key columns keep their
 * landed type, since a type override could make distinct landed keys equal in the warehouse.
 */
export async function keysAreUnique(
  duck: DuckDBConnection,
  batches: BatchManifest[],
  table: TableSpec,
  files: LocalFiles,
): Promise<boolean> {
  if (table.primaryKey.some((k) => table.typeOverrides[k] !== undefined)) return false;
  const paths = batches.flatMap((b) => b.files.map((f) => duckString(files.get(f.key) as string)));
  if (paths.length === 0) return true;
  // One row has no duplicate to find (the bronze primary key still rejects one that a wrong count let through).
  if (paths.length === 1 && batches.reduce((n, b) => n + b.rows, 0) <= 1) return true;
  const key = table.primaryKey.map(duckIdent).join(", ");
  const result = await duck.runAndReadAll(
    `SELECT count(*) = count(DISTINCT (${key})) AS ok FROM read_parquet([${paths.join(", ")}], union_by_name = true)`,
  );
  return result.getRowObjects()[0]?.ok === true;
}

/** The query printing the primary keys of a reconcile batch's key files for COPY. */
export async function keysQuery(
  duck: DuckDBConnection,
  batch: BatchManifest,
  table: TableSpec,
  files: LocalFiles,
): Promise<string | null> {
  const keyFiles = batch.keyFiles ?? [];
  const selects: string[] = [];
  for (const file of keyFiles) {
    const path = files.get(file.key) as string;
    const types = await duckTypes(duck, path);
    for (const k of table.primaryKey) {
      if (!types.has(k)) {
        throw new DataError(`batch ${batch.batchId}: key file ${file.key} has no primary key column ${k}`);
      }
    }
    selects.push(
      `SELECT ${table.primaryKey.map((k) => csvExpr(k, types.get(k))).join(", ")} FROM read_parquet(${duckString(path)})`,
    );
  }
  return selects.length ? selects.join("\nUNION ALL\n") : null;
}
