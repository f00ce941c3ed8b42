import pg from "pg";
import type { PipelineSpec } from "../../../../src/spec/types.ts";
import type { TextRow, WarehouseHarness } from "../harness.ts";

/** The stack's warehouse database (stack.env). */
export function warehouseUrl(): string {
  const url = process.env.SMELTER_WAREHOUSE_URL;
  if (!url)
    throw new Error(
      "SMELTER_WAREHOUSE_URL is not set: start the stack (scripts/stack up) and source stack.env",
    );
  return url;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Compact JSON text of a document as PostgreSQL prints it (`{"a": 1}`), for comparing across warehouses. */
function compactJson(text: string | null): string | null {
  return text === null ? null : JSON.stringify(JSON.parse(text));
}

/** The PostgreSQL warehouse of the local stack, read with plain SQL. */
export class PostgresHarness implements WarehouseHarness {
  readonly kind = "postgres";
  readonly connection = {
    kind: "postgres",
    url: { env: "SMELTER_WAREHOUSE_URL" },
    timezone: "+00:00",
    maxConnections: 4,
  } as const;
  private readonly pool = new pg.Pool({ connectionString: warehouseUrl(), max: 2 });

  /** Runs SQL on the warehouse, for tests of what only PostgreSQL has (triggers, partitions, indexes). */
  async query(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.pool.query(sql, values)).rows;
  }

  async execute(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  private async text(
    from: string,
    columns: string[],
    orderBy: string[],
    json: string[] = [],
    hex: string[] = [],
  ): Promise<TextRow[]> {
    const select = columns
      .map(
        (c) => `${hex.includes(c) ? `encode(t.${quote(c)}, 'hex')` : `t.${quote(c)}::text`} AS ${quote(c)}`,
      )
      .join(", ");
    // Ordered by the table's columns (t.), not by the text the select turns them into.
    const order = orderBy.length ? ` ORDER BY ${orderBy.map((c) => `t.${quote(c)}`).join(", ")}` : "";
    const rows = (await this.pool.query(`SELECT ${select} FROM ${from} AS t${order}`)).rows as TextRow[];
    for (const row of rows) for (const c of json) row[c] = compactJson(row[c] ?? null);
    return rows;
  }

  rows(
    schema: string,
    table: string,
    columns: string[],
    options: { orderBy?: string[]; json?: string[]; hex?: string[] } = {},
  ) {
    const { orderBy = [], json, hex } = options;
    return this.text(`${quote(schema)}.${quote(table)}`, columns, orderBy, json, hex);
  }

  changes(
    schema: string,
    table: string,
    columns: string[],
    options: { orderBy?: string[]; json?: string[] } = {},
  ) {
    return this.text(
      `${quote(schema)}.${quote(`${table}__changes`)}`,
      ["_commit_version", "_change_type", ...columns],
      ["_commit_version", "_change_type", ...(options.orderBy ?? [])],
      options.json,
    );
  }

  async columns(schema: string, table: string): Promise<string[] | null> {
    const { rows } = await this.pool.query(
      `SELECT attname AS name FROM pg_attribute
        WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [`${quote(schema)}.${quote(table)}`],
    );
    if (rows.length > 0) return rows.map((r) => String(r.name));
    const exists = await this.pool.query("SELECT to_regclass($1) IS NOT NULL AS ok", [
      `${quote(schema)}.${quote(table)}`,
    ]);
    return exists.rows[0]?.ok ? [] : null;
  }

  async forgetChanges(spec: PipelineSpec, table: string, version: number): Promise<void> {
    await this.pool.query(
      "UPDATE _smelter.change_feed_floor SET floor_version = $3 WHERE pipeline = $1 AND table_name = $2",
      [spec.name, table, version],
    );
  }

  async drop(spec: PipelineSpec): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quote(spec.bronzeSchema)} CASCADE`);
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quote(spec.silverSchema)} CASCADE`);
    for (const t of [
      "commit_versions",
      "bronze_batches",
      "silver_checkpoints",
      "change_feed_floor",
      "change_orders",
    ]) {
      await this.pool
        .query(`DELETE FROM _smelter.${t} WHERE pipeline = $1`, [spec.name])
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
