import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { ExecutionContext } from "../../../src/contracts/step.ts";
import { newBatchId, openLandingZone, partKey, writeManifest } from "../../../src/landing/index.ts";
import { tablePrefix } from "../../../src/landing/layout.ts";
import type { BatchManifest, LandingZone, ManifestColumn } from "../../../src/landing/types.ts";
import type { LogicalType } from "../../../src/logical-type.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import type { LandingConnection, PipelineSpec, SilverModel, TableSpec } from "../../../src/spec/types.ts";
import { noWatermarkStore } from "../../../src/state/watermarks.ts";
import { airflowSettings, tableSpec as baseTableSpec } from "../support.ts";
import type { TextRow, WarehouseHarness } from "./harness.ts";
import { PostgresHarness } from "./postgres/harness.ts";

export { warehouseUrl } from "./postgres/harness.ts";

/**
 * A throw-away pipeline on a real warehouse (the stack's PostgreSQL unless a harness is given): unique schemas, a
 * local landing zone in a temp dir, and batches landed the way extract lands them (parquet written by DuckDB,
 * manifest last), so bronze and silver are tested without a source database.
 */

/** A column of the test table: name, DuckDB type for parquet, neutral type for the manifest. */
export interface TestColumn {
  name: string;
  duck: string;
  logical: LogicalType;
}

/** The `posts` columns most tests use. */
export const POSTS: TestColumn[] = [
  { name: "id", duck: "BIGINT", logical: { type: "int", bits: 64, signed: true } },
  { name: "account_type_id", duck: "INTEGER", logical: { type: "int", bits: 32, signed: true } },
  { name: "title", duck: "VARCHAR", logical: { type: "string" } },
  { name: "amount", duck: "DECIMAL(20,4)", logical: { type: "decimal", precision: 20, scale: 4 } },
  { name: "payload", duck: "JSON", logical: { type: "json" } },
  { name: "updated_at", duck: "TIMESTAMP", logical: { type: "timestamp", zoned: false } },
  { name: "deleted", duck: "BOOLEAN", logical: { type: "boolean" } },
];

export type Row = Record<string, unknown>;

/** The `posts` table spec with the loader's defaults. */
export function tableSpec(overrides: Partial<TableSpec> = {}): TableSpec {
  return baseTableSpec({ name: "posts", table: "posts", ...overrides });
}

export function silverModel(overrides: Partial<SilverModel> = {}): SilverModel {
  return {
    name: "posts_flat",
    from: "posts",
    key: ["id"],
    includeAll: false,
    freshness: { warnAfterSeconds: null, errorAfterSeconds: null },
    columns: [
      { name: "id", from: "id" },
      { name: "account_type", from: "account_type_id" },
      { name: "title", from: "title" },
      { name: "amount", from: "amount" },
      { name: "kind", json: { column: "payload", path: "$.kind" }, type: "text" },
      { name: "first_tag", json: { column: "payload", path: "$.tags[0]" }, type: "text" },
      { name: "title_upper", expr: "upper(title)", type: "text" },
    ],
    scd: 1,
    ...overrides,
  };
}

export class Fixture {
  readonly id = randomBytes(4).toString("hex");
  readonly spec: PipelineSpec;
  readonly zone: LandingZone;
  logs: string[] = [];

  private constructor(
    readonly dir: string,
    table: TableSpec,
    models: SilverModel[],
    landing: "local" | "s3",
    readonly warehouse: WarehouseHarness,
    private readonly ownsWarehouse: boolean,
  ) {
    const name = `t_${this.id}`;
    // S3: the stack's emulator and keys (stack.env), under a prefix of this fixture's own.
    const land: LandingConnection =
      landing === "local"
        ? { kind: "local", path: dir, prefix: "landing" }
        : {
            kind: "s3",
            bucket: { env: "SMELTER_S3_BUCKET" },
            prefix: `test/${name}`,
            region: "us-east-1",
            endpoint: { env: "SMELTER_S3_ENDPOINT" },
            accessKeyId: { env: "AWS_ACCESS_KEY_ID" },
            secretAccessKey: { env: "AWS_SECRET_ACCESS_KEY" },
          };
    this.spec = {
      version: 1,
      name,
      connections: {
        src: { kind: "mariadb", host: "127.0.0.1", timezone: "+00:00", maxConnections: 1 },
        wh: warehouse.connection,
        land,
      },
      warehouse: "wh",
      landing: "land",
      bronzeSchema: `${name}_bronze`,
      silverSchema: `${name}_silver`,
      tables: [table],
      silver: models,
      airflow: airflowSettings("smelter"),
      notifications: [],
    };
    this.zone = openLandingZone(resolveLanding(this.spec, "land", process.env));
  }

  /** A new pipeline on `options.warehouse` (default: the stack's PostgreSQL, closed with the fixture). */
  static async create(
    table = tableSpec(),
    models = [silverModel()],
    options: { landing?: "local" | "s3"; warehouse?: WarehouseHarness } = {},
  ): Promise<Fixture> {
    const dir = await mkdtemp(join(tmpdir(), "smelter-wh-test-"));
    const warehouse = options.warehouse ?? new PostgresHarness();
    return new Fixture(dir, table, models, options.landing ?? "local", warehouse, !options.warehouse);
  }

  get table(): TableSpec {
    return this.spec.tables[0] as TableSpec;
  }

  ctx(env: NodeJS.ProcessEnv = process.env, signal = new AbortController().signal): ExecutionContext {
    const log = (m: string) => this.logs.push(m);
    return {
      executionId: `ex_${this.id}`,
      pipeline: { spec: this.spec, file: "test.yaml", hash: "0" },
      log: { info: log, warn: log, error: log },
      signal,
      env,
      watermarks: noWatermarkStore,
    };
  }

  /** Lands one batch of rows (and optionally the full key set) and returns its manifest. */
  async land(
    rows: Row[],
    options: { columns?: TestColumn[]; keys?: unknown[]; changes?: BatchManifest["changes"] } = {},
  ): Promise<BatchManifest> {
    const columns = options.columns ?? POSTS;
    const batchId = newBatchId();
    await new Promise((r) => setTimeout(r, 2));
    const { pipeline, table } = { pipeline: this.spec.name, table: this.table.name };
    const key = partKey(pipeline, table, batchId, 0);
    const keyFile = partKey(pipeline, table, batchId, 0, "keys");
    const local = join(this.dir, `${batchId}.parquet`);
    await writeParquet(local, columns, rows);
    const { bytes } = await this.zone.putFile(key, local);
    let keyFiles: BatchManifest["keyFiles"];
    if (options.keys) {
      const keyCols = columns.filter((c) => this.table.primaryKey.includes(c.name));
      await writeParquet(
        local,
        keyCols,
        options.keys.map((k) => ({ id: k })),
      );
      const put = await this.zone.putFile(keyFile, local);
      keyFiles = [{ key: keyFile, rows: options.keys.length, bytes: put.bytes }];
    }
    const manifestColumns: ManifestColumn[] = columns.map((c) => ({
      name: c.name,
      sourceType: c.duck.toLowerCase(),
      parquetType: c.duck,
      logical: c.logical,
      nullable: c.name !== "id" && c.name !== "_smelter_op" && c.name !== "_smelter_position",
    }));
    const manifest: BatchManifest = {
      format: "smelter.manifest/v1",
      batchId,
      pipeline,
      table,
      source: { name: "src", kind: "mariadb", snapshot: {} },
      mode: this.table.mode === "cdc" ? "cdc" : "incremental",
      createdAt: new Date().toISOString(),
      primaryKey: this.table.primaryKey,
      cursor: this.table.cursor,
      watermark: { from: null, to: null, lagSeconds: 0 },
      schema: {
        columns: manifestColumns,
        fingerprint: columns.map((c) => c.name).join(","),
        added: [],
        removed: [],
      },
      files: [{ key, rows: rows.length, bytes }],
      rows: rows.length,
      ...(keyFiles ? { keyFiles } : {}),
      ...(options.changes ? { changes: options.changes } : {}),
    };
    await writeManifest(this.zone, manifest);
    return manifest;
  }

  /** Bronze rows of the table as text (see `WarehouseHarness.rows`), ordered by `orderBy` (default: id). */
  bronzeRows(
    columns: string[],
    options: { orderBy?: string[]; json?: string[]; hex?: string[] } = {},
  ): Promise<TextRow[]> {
    return this.warehouse.rows(this.spec.bronzeSchema, this.table.name, columns, {
      orderBy: ["id"],
      ...options,
    });
  }

  /** Silver rows of a model as text, ordered by `orderBy` (default: id). */
  silverRows(
    model: string,
    columns: string[],
    options: { orderBy?: string[]; json?: string[]; hex?: string[] } = {},
  ): Promise<TextRow[]> {
    return this.warehouse.rows(this.spec.silverSchema, model, columns, { orderBy: ["id"], ...options });
  }

  /** The table's change feed: `_commit_version`, `_change_type` and `columns` as text, then by `orderBy` (id). */
  changes(columns: string[], options: { orderBy?: string[]; json?: string[] } = {}): Promise<TextRow[]> {
    return this.warehouse.changes(this.spec.bronzeSchema, this.table.name, columns, {
      orderBy: ["id"],
      ...options,
    });
  }

  /** SQL on the warehouse, for tests of what only PostgreSQL has. */
  async query(sql: string, values: unknown[] = []): Promise<Row[]> {
    if (!(this.warehouse instanceof PostgresHarness))
      throw new Error("fx.query is for PostgreSQL-only tests");
    return this.warehouse.query(sql, values);
  }

  async close(): Promise<void> {
    const { name } = this.spec;
    await this.warehouse.drop(this.spec);
    if (this.ownsWarehouse) await this.warehouse.close();
    const keys: string[] = [];
    for await (const { key } of this.zone.list(tablePrefix(name, this.table.name))) keys.push(key);
    await this.zone.delete(keys);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Writes rows to a zstd parquet file through DuckDB, with the given column types. */
export async function writeParquet(path: string, columns: TestColumn[], rows: Row[]): Promise<void> {
  const json = `${path}.jsonl`;
  await writeFile(json, rows.map((r) => JSON.stringify(r)).join("\n"));
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    // JSON documents and bytes (as hex, the way extract writes them) are read as text and converted in the select.
    const asText = (c: TestColumn) => c.duck === "JSON" || c.duck === "BLOB";
    const spec = columns.map((c) => `'${c.name}': '${asText(c) ? "VARCHAR" : c.duck}'`).join(", ");
    const select = columns.map((c) =>
      c.duck === "JSON"
        ? `"${c.name}"::JSON AS "${c.name}"`
        : c.duck === "BLOB"
          ? `unhex("${c.name}") AS "${c.name}"`
          : `"${c.name}"`,
    );
    const source =
      rows.length === 0
        ? `SELECT ${columns.map((c) => `NULL::${c.duck} AS "${c.name}"`).join(", ")} LIMIT 0`
        : `SELECT ${select.join(", ")} FROM read_json('${json}', format = 'newline_delimited', columns = {${spec}})`;
    await conn.run(`COPY (${source}) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    conn.closeSync();
    db.closeSync();
    await rm(json, { force: true });
  }
}
