import type { ResolvedDatabase } from "../../../../src/spec/resolve.ts";
import type { PipelineSpec } from "../../../../src/spec/types.ts";
import { SparkClient } from "../../../../src/warehouse/spark/client.ts";
import { sparkDialect } from "../../../../src/warehouse/spark/dialect.ts";
import { history, META, setRetentionFloor } from "../../../../src/warehouse/spark/metadata.ts";
import { integer, literal, qualified, quoteIdent } from "../../../../src/warehouse/spark/sql.ts";
import { tableColumns } from "../../../../src/warehouse/spark/tables.ts";
import type { Skips, TextRow, WarehouseHarness } from "../harness.ts";

/** Tests of the shared suite the Delta warehouse skips, with why. */
export const SPARK_SKIPS: Skips = {
  "a row moving to another list partition is one update with its pre- and post-image":
    "Delta tables are not partitioned (capabilities.partitioning is empty): liquid clustering (cluster_by) orders them instead",
};

/** The stack's Spark Thrift server (stack.env, `scripts/stack up spark`). */
function sparkAddress(): { host: string; port: number } {
  const { SMELTER_SPARK_HOST: host, SMELTER_SPARK_PORT: port } = process.env;
  if (!host || !port)
    throw new Error(
      "SMELTER_SPARK_HOST/SMELTER_SPARK_PORT are not set: start the stack's Spark (scripts/stack up spark) and source stack.env",
    );
  return { host, port: Number(port) };
}

/** Compact JSON text of a document, for comparing across warehouses. */
function compactJson(text: string | null): string | null {
  return text === null ? null : JSON.stringify(JSON.parse(text));
}

/** Delta Lake on the stack's Spark, read with Spark SQL over one Thrift session. */
export class SparkHarness implements WarehouseHarness {
  readonly kind = "spark";
  readonly connection = {
    kind: "spark",
    host: { env: "SMELTER_SPARK_HOST" },
    port: { env: "SMELTER_SPARK_PORT" },
    catalog: "spark_catalog",
    user: { env: "SMELTER_SPARK_USER" },
    password: { env: "SMELTER_SPARK_PASSWORD" },
    timezone: "+00:00",
    maxConnections: 4,
  } as const;
  private client: Promise<SparkClient> | null = null;
  /** Pipelines dropped since the last close, whose _smelter rows close deletes. */
  private dropped: string[] = [];

  /** The harness's own session, for tests of what only Spark has. */
  session(): Promise<SparkClient> {
    const { host, port } = sparkAddress();
    const db: ResolvedDatabase = {
      name: "test",
      kind: "spark",
      host,
      port,
      database: "spark_catalog",
      user: "smelter",
      password: process.env.SMELTER_SPARK_PASSWORD ?? "",
      timezone: "+00:00",
      maxConnections: 1,
    };
    this.client ??= SparkClient.connect(db);
    return this.client;
  }

  /** Runs SQL on the warehouse, for tests of what only Spark has. */
  async query(sql: string): Promise<Record<string, string | null>[]> {
    return (await this.session()).query(sql);
  }

  async execute(sql: string): Promise<void> {
    await this.query(sql);
  }

  private async text(
    from: string,
    columns: string[],
    orderBy: string[],
    json: string[] = [],
    extra = "",
    hex: string[] = [],
  ) {
    const select = columns
      .map((c) => {
        const value = hex.includes(c)
          ? `lower(hex(t.${quoteIdent(c)}))`
          : `CAST(t.${quoteIdent(c)} AS STRING)`;
        return `${value} AS ${quoteIdent(c)}`;
      })
      .join(", ");
    // Ordered by the table's columns (t.), not by the text the select turns them into.
    const order = orderBy.length ? ` ORDER BY ${orderBy.map((c) => `t.${quoteIdent(c)}`).join(", ")}` : "";
    const rows = (await this.query(`SELECT ${extra}${select} FROM ${from} AS t${order}`)) as TextRow[];
    for (const row of rows) for (const c of json) row[c] = compactJson(row[c] ?? null);
    return rows;
  }

  rows(
    schema: string,
    table: string,
    columns: string[],
    options: { orderBy?: string[]; json?: string[]; hex?: string[] } = {},
  ) {
    return this.text(qualified(schema, table), columns, options.orderBy ?? [], options.json, "", options.hex);
  }

  /**
   * The change data feed, with Delta's commit versions shown as smelter's: each bronze commit names the version it
   * became in its history note.
   */
  async changes(
    schema: string,
    table: string,
    columns: string[],
    options: { orderBy?: string[]; json?: string[] } = {},
  ) {
    const notes = await history(await this.session(), qualified(schema, table), "bronze", 1000);
    const whens = notes.map((n) => `WHEN ${integer(n.deltaVersion)} THEN ${integer(Number(n.note.version))}`);
    const version = whens.length ? `CASE _commit_version ${whens.join(" ")} END` : "CAST(NULL AS BIGINT)";
    const from = `(SELECT *, ${version} AS _smelter_version FROM table_changes(${literal(qualified(schema, table))}, 0))`;
    const rows = await this.text(
      from,
      ["_change_type", ...columns],
      ["_smelter_version", "_change_type", ...(options.orderBy ?? [])],
      options.json,
      "CAST(t._smelter_version AS STRING) AS _commit_version, ",
    );
    return rows;
  }

  async columns(schema: string, table: string): Promise<string[] | null> {
    const cols = await tableColumns(await this.session(), schema, table);
    return cols ? cols.map((c) => c.name) : null;
  }

  async forgetChanges(spec: PipelineSpec, table: string, version: number): Promise<void> {
    await setRetentionFloor(await this.session(), spec.name, table, version);
  }

  async drop(spec: PipelineSpec): Promise<void> {
    for (const schema of [spec.bronzeSchema, spec.silverSchema])
      await this.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    // The pipeline's rows of the _smelter tables go when the harness closes, in one DELETE per table for all
    // dropped pipelines: each DELETE is a Delta commit of seconds.
    this.dropped.push(spec.name);
  }

  /** Closes the harness's session and the sessions the warehouse kept for later executions. */
  async close(): Promise<void> {
    if (this.dropped.length > 0) {
      const names = this.dropped.map(literal).join(", ");
      this.dropped = [];
      for (const t of ["bronze_commits", "silver_commits", "change_feed_floor", "change_orders"])
        await this.query(`DELETE FROM ${qualified(META, t)} WHERE pipeline IN (${names})`).catch(
          () => undefined,
        );
    }
    const client = this.client;
    this.client = null;
    if (client) await (await client).close();
    await sparkDialect.release();
  }
}
