import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DataError } from "../../errors.ts";
import type { BatchManifest, LandingZone } from "../../landing/types.ts";
import type { TableSpec } from "../../spec/types.ts";
import type { StagingColumn } from "../../warehouse/types.ts";

/**
 * Turns landed parquet into the staging file a warehouse loads. PostgreSQL cannot read parquet, so DuckDB
 * rewrites the batches' rows as CSV for COPY, adding the batch id, the batch's position in the group and the row's
 * position in the batch (the landing order that breaks cursor ties). Values stay exact: DECIMAL and UBIGINT print
 * all digits, timestamps print in UTC with microseconds, BLOBs as `\x` hex (PostgreSQL's bytea input), nested
 * values as JSON text.
 */

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A DuckDB expression that prints a column the way PostgreSQL's COPY reads it. */
function csvExpr(name: string, duckType: string | undefined): string {
  const col = ident(name);
  if (duckType === undefined) return "NULL";
  if (duckType === "BLOB") return `'\\x' || hex(${col})`;
  if (/\[\]$|^(STRUCT|MAP|UNION)\b/.test(duckType)) return `to_json(${col})::VARCHAR`;
  return col;
}

/** Columns a group of batches stages, with the warehouse type from the manifest (or the spec's override). */
export function stagingColumns(manifest: BatchManifest, table: TableSpec): StagingColumn[] {
  return manifest.schema.columns.map((c) => ({
    name: c.name,
    type: table.typeOverrides[c.name] ?? c.warehouseType,
  }));
}

/** Where a group's files were downloaded: landing key → local path. */
export type LocalFiles = Map<string, string>;

/** Downloads every data and key file of the batches into `dir`. */
export async function download(
  zone: LandingZone,
  batches: BatchManifest[],
  dir: string,
): Promise<LocalFiles> {
  const files: LocalFiles = new Map();
  let n = 0;
  for (const batch of batches) {
    for (const f of [...batch.files, ...(batch.keyFiles ?? [])]) {
      const local = join(dir, `f${n++}.parquet`);
      await zone.getFile(f.key, local);
      files.set(f.key, local);
    }
  }
  return files;
}

async function duckTypes(duck: DuckDBConnection, path: string): Promise<Map<string, string>> {
  const described = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal(path)})`);
  return new Map(described.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]));
}

/** Writes the group's data rows as CSV to `out` (STAGING_META columns last). */
export async function writeDataCsv(
  duck: DuckDBConnection,
  batches: BatchManifest[],
  columns: StagingColumn[],
  files: LocalFiles,
  out: string,
): Promise<void> {
  const selects: string[] = [];
  for (const [seq, batch] of batches.entries()) {
    for (const [index, file] of batch.files.entries()) {
      const path = files.get(file.key) as string;
      const types = await duckTypes(duck, path);
      const exprs = columns.map((c) => `${csvExpr(c.name, types.get(c.name))} AS ${ident(c.name)}`);
      selects.push(
        `SELECT ${exprs.join(", ")}, ${literal(batch.batchId)} AS _smelter_batch_id, ${seq} AS _smelter_batch_seq,
                (${index}::BIGINT << 40) + file_row_number AS _smelter_row
           FROM read_parquet(${literal(path)}, file_row_number = true)`,
      );
    }
  }
  if (selects.length === 0) {
    await writeFile(out, "");
    return;
  }
  await duck.run(`COPY (${selects.join("\nUNION ALL\n")}) TO ${literal(out)} (FORMAT csv, HEADER false)`);
}

/** Writes the primary keys of a reconcile batch's key files as CSV to `out`. */
export async function writeKeysCsv(
  duck: DuckDBConnection,
  batch: BatchManifest,
  table: TableSpec,
  files: LocalFiles,
  out: string,
): Promise<void> {
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
      `SELECT ${table.primaryKey.map((k) => csvExpr(k, types.get(k))).join(", ")} FROM read_parquet(${literal(path)})`,
    );
  }
  if (selects.length === 0) {
    await writeFile(out, "");
    return;
  }
  await duck.run(`COPY (${selects.join("\nUNION ALL\n")}) TO ${literal(out)} (FORMAT csv, HEADER false)`);
}
