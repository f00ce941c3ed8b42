import { randomBytes } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { DataError } from "../errors.ts";
import { partKey } from "../landing/layout.ts";
import type { LandingZone } from "../landing/types.ts";
import type { ColumnMapping } from "../sources/types.ts";

/** A column as it is landed: its output name and mapping. */
export interface LandedColumn {
  name: string;
  mapping: ColumnMapping;
}

/** A landed parquet file of a batch. */
export interface LandedFile {
  key: string;
  rows: number;
  bytes: number;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Opens the embedded DuckDB used to write parquet; one per extraction, spilling to `tmpDir`. */
export async function openDuckdb(tmpDir: string): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: "2",
    memory_limit: "256MB",
    temp_directory: join(tmpDir, "duckdb-spill"),
  });
  return instance.connect();
}

/**
 * Streams rows into parquet parts of one batch: rows are appended as text (or bytes) to a staging table and
 * DuckDB casts them to the landing types when a part is written, so exact values (DECIMAL, UBIGINT, timestamps)
 * never pass through JS numbers. A part is written and uploaded every `fileRows` rows, then the staging table
 * is emptied: memory is bounded by one part.
 */
export class PartWriter {
  readonly files: LandedFile[] = [];
  rows = 0;
  private pending = 0;
  private appender: DuckDBAppender | null = null;
  private readonly staging = `staging_${randomBytes(4).toString("hex")}`;

  constructor(
    private readonly duck: DuckDBConnection,
    private readonly zone: LandingZone,
    private readonly target: { pipeline: string; table: string; batchId: string; kind: "part" | "keys" },
    private readonly columns: LandedColumn[],
    private readonly fileRows: number,
    private readonly tmpDir: string,
  ) {}

  /** Creates the staging table; call once before `append`. */
  async open(): Promise<void> {
    const defs = this.columns.map((c, i) => `c${i} ${c.mapping.input === "blob" ? "BLOB" : "VARCHAR"}`);
    await this.duck.run(`CREATE TABLE ${this.staging} (${defs.join(", ")})`);
    this.appender = await this.duck.createAppender(this.staging);
  }

  /** Appends rows (arrays in column order); writes and uploads a part whenever `fileRows` is reached. */
  async append(rows: unknown[][]): Promise<void> {
    const columns = this.columns;
    const width = columns.length;
    for (const row of rows) {
      const appender = this.appender as DuckDBAppender;
      for (let i = 0; i < width; i++) {
        const mapping = (columns[i] as LandedColumn).mapping;
        const raw = row[i];
        const value = mapping.toText ? mapping.toText(raw) : raw;
        if (value === null || value === undefined) appender.appendNull();
        else if (mapping.input === "blob") appender.appendBlob(value as Uint8Array);
        else appender.appendVarchar(value as string);
      }
      appender.endRow();
      this.pending += 1;
      if (this.pending >= this.fileRows) await this.roll();
    }
  }

  /** Writes the last part (if any rows are pending) and drops the staging table. Returns the batch's files. */
  async finish(): Promise<LandedFile[]> {
    if (this.pending > 0) await this.roll();
    this.appender?.closeSync();
    this.appender = null;
    await this.duck.run(`DROP TABLE IF EXISTS ${this.staging}`);
    return this.files;
  }

  private async roll(): Promise<void> {
    const appender = this.appender as DuckDBAppender;
    appender.flushSync();
    const index = this.files.length;
    const key = partKey(
      this.target.pipeline,
      this.target.table,
      this.target.batchId,
      index,
      this.target.kind,
    );
    const local = join(this.tmpDir, `${this.target.kind}-${index}-${randomBytes(3).toString("hex")}.parquet`);
    const select = this.columns
      .map((c, i) => {
        const type = c.mapping.parquetType;
        const source = type === "VARCHAR" || type === "BLOB" ? `c${i}` : `CAST(c${i} AS ${type})`;
        return `${source} AS ${ident(c.name)}`;
      })
      .join(", ");
    try {
      await this.duck.run(
        `COPY (SELECT ${select} FROM ${this.staging}) TO ${sqlString(local)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    } catch (error) {
      throw await this.castError(error, key);
    }
    try {
      const { bytes } = await this.zone.putFile(key, local);
      this.files.push({ key, rows: this.pending, bytes: bytes || (await stat(local)).size });
    } finally {
      await rm(local, { force: true });
    }
    this.rows += this.pending;
    this.pending = 0;
    appender.closeSync();
    await this.duck.run(`DELETE FROM ${this.staging}`);
    this.appender = await this.duck.createAppender(this.staging);
  }

  /** Finds the column whose values do not cast to its landing type, to name it in the error. */
  private async castError(error: unknown, key: string): Promise<Error> {
    const where = `table ${this.target.table}, landing ${key}`;
    for (const [i, c] of this.columns.entries()) {
      const type = c.mapping.parquetType;
      if (type === "VARCHAR" || type === "BLOB") continue;
      const reader = await this.duck.runAndReadAll(
        `SELECT c${i} FROM ${this.staging} WHERE c${i} IS NOT NULL AND TRY_CAST(c${i} AS ${type}) IS NULL LIMIT 1`,
      );
      const bad = reader.getRows()[0];
      if (bad) {
        return new DataError(
          `${where}: column "${c.name}" value ${JSON.stringify(String(bad[0]).slice(0, 80))} cannot be stored as ` +
            `${type}; set a typeOverrides entry or exclude the column`,
          error,
        );
      }
    }
    return new DataError(`${where}: writing parquet failed: ${(error as Error).message}`, error);
  }
}
