import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { CancelledError } from "../../errors.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";
import { KeptConnections, settingsKey } from "../kept.ts";
import { type SqlDialect, SqlSnapshot, selectSql } from "../sql.ts";
import {
  type CsvColumn,
  type CsvRead,
  type CsvReadOptions,
  type CsvRows,
  isCsvText,
  type ReadRange,
  type Relation,
  type SourceColumn,
  type SourceSnapshot,
} from "../types.ts";
import { connectPostgres } from "./connection.ts";
import { copyCsvChunks, parseCsvLine } from "./copy-csv.ts";

const dialect: SqlDialect = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  param: (n) => `$${n}`,
};

/** A value written into SQL as a literal: COPY takes no bound parameters. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value instanceof Uint8Array) return `decode('${Buffer.from(value).toString("hex")}', 'hex')`;
  return `E'${String(value).replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

const kept = new KeptConnections<pg.Client>({
  end: (client) => client.end().catch(() => undefined),
  hold: (client, held) => {
    // pg's Client has ref() and unref() (its pool's allowExitOnIdle uses them); its types do not list them.
    const socket = client as unknown as { ref(): void; unref(): void };
    if (held) socket.ref();
    else socket.unref();
  },
});

/**
 * A PostgreSQL snapshot: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`; rows are streamed as the server's
 * COPY output, so that memory stays flat. The connection is a kept one when there is one (see ../kept.ts); a kept
 * connection the server closed meanwhile is replaced by a new one.
 */
export async function openPostgresSnapshot(
  db: ResolvedDatabase,
  options: { statementTimeoutMs: number },
): Promise<SourceSnapshot> {
  const key = settingsKey(db, options.statementTimeoutMs);
  const reused = kept.take(key);
  const client = reused ?? (await connectPostgres(db, options.statementTimeoutMs));
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await client.query<{ v: string; at: string; xmin: string }>(
      "SELECT current_setting('server_version') AS v, to_char(clock_timestamp() AT TIME ZONE 'UTC', " +
        `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`,
    );
    const first = rows[0];
    const info = {
      serverVersion: first?.v,
      snapshotAt: first?.at,
      snapshotXmin: first?.xmin,
      isolation: "REPEATABLE READ",
    };
    return new PostgresSnapshot(client, db, info, (clean) => (clean ? kept.give(key, client) : client.end()));
  } catch (error) {
    await client.end().catch(() => undefined);
    if (reused) return openPostgresSnapshot(db, options);
    throw sourceError(error, `source ${db.name}`);
  }
}

class PostgresSnapshot extends SqlSnapshot {
  /** A CSV read stopped in the middle of its COPY: the connection can only be closed. */
  private midCopy = false;

  constructor(
    private readonly client: pg.Client,
    db: ResolvedDatabase,
    info: Record<string, unknown>,
    /** Gives the connection up: kept when `clean`, closed otherwise. */
    private readonly done: (clean: boolean) => Promise<void>,
  ) {
    super(dialect, db, info);
  }

  protected readonly defaultSchema = "public";
  protected readonly noSuchTable = "42P01";

  protected async queryColumns(query: string): Promise<SourceColumn[]> {
    const { fields } = await this.client.query(`SELECT * FROM (${query}) AS "_smelter_src" LIMIT 0`);
    const { rows } = await this.client.query<{ oid: string; t: string }>(
      "SELECT oid::text AS oid, format_type(oid, NULL) AS t FROM pg_type WHERE oid = ANY($1::oid[])",
      [fields.map((f) => f.dataTypeID)],
    );
    const names = new Map(rows.map((r) => [Number(r.oid), r.t]));
    return fields.map((f) => {
      const t = names.get(f.dataTypeID) ?? "text";
      return { name: f.name, dataType: t, columnType: t, nullable: true, precision: null, scale: null };
    });
  }

  protected async tableColumns(schema: string, table: string): Promise<SourceColumn[]> {
    const { rows } = await this.client.query<{
      name: string;
      data_type: string;
      column_type: string;
      nullable: string;
      precision: string | null;
      scale: string | null;
    }>({
      // Named, so that a kept connection plans the information_schema view once (planning is most of its cost).
      name: "smelter-source-columns",
      text: `SELECT c.column_name AS name, c.data_type, format_type(a.atttypid, a.atttypmod) AS column_type,
                c.is_nullable AS nullable, c.numeric_precision::text AS precision, c.numeric_scale::text AS scale
           FROM information_schema.columns c
           JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
                              AND a.attname = c.column_name
          WHERE c.table_schema = $1 AND c.table_name = $2
          ORDER BY c.ordinal_position`,
      values: [schema, table],
    });
    return rows.map((r) => ({
      name: r.name,
      dataType: r.data_type,
      columnType: r.column_type,
      nullable: r.nullable === "YES",
      precision: r.precision === null ? null : Number(r.precision),
      scale: r.scale === null ? null : Number(r.scale),
    }));
  }

  protected async queryFirstRow(text: string, values: unknown[] | undefined): Promise<unknown[] | undefined> {
    const { rows } = await this.client.query({ text, values, rowMode: "array" });
    return rows[0] as unknown[] | undefined;
  }

  /**
   * The read as CSV written by the server itself (`COPY (SELECT ...) TO STDOUT (FORMAT csv)`), in the format of
   * src/executors/extract/csv.ts: text columns force-quoted, bytea selected as hex, every other value the
   * server's text under the session settings of connection.ts. No value becomes a JS object on the way.
   */
  streamCsv(relation: Relation, columns: CsvColumn[], range: ReadRange, options: CsvReadOptions): CsvRead {
    // The server's text is the landed text only while no mapping converts values (none does for PostgreSQL).
    if (columns.some((c) => c.mapping.toText)) throw new Error("streamCsv: a column needs toText");
    const blob = columns.map((c) => c.mapping.input === "blob");
    const names = columns.map((c) => c.name);
    const hex = new Set(names.filter((_, i) => blob[i]));
    const { values } = selectSql(dialect, relation, names, range);
    const inline: SqlDialect = { quote: dialect.quote, param: (n) => literal(values[n - 1]) };
    const { sql } = selectSql(inline, relation, names, range, (quoted, column) =>
      hex.has(column) ? `encode(${quoted}, 'hex') AS ${quoted}` : quoted,
    );
    const quoted = columns
      .filter((c, i) => blob[i] || isCsvText(c.mapping))
      .map((c) => dialect.quote(c.name));
    const force = quoted.length ? `, FORCE_QUOTE (${quoted.join(", ")})` : "";
    let last: unknown[] | null = null;
    const read = async function* (this: PostgresSnapshot): AsyncIterable<CsvRows> {
      const stream = this.client.query(copyTo(`COPY (${sql}) TO STDOUT WITH (FORMAT csv${force})`));
      const abort = () => stream.destroy(new CancelledError());
      options.signal.addEventListener("abort", abort, { once: true });
      let finished = false;
      try {
        yield* copyCsvChunks(stream, options.partRows, (line) => {
          last = parseCsvLine(line, blob);
        });
        finished = true;
      } catch (error) {
        if (options.signal.aborted) throw new CancelledError();
        throw sourceError(error, this.where(relation));
      } finally {
        options.signal.removeEventListener("abort", abort);
        if (!finished) this.midCopy = true;
      }
    };
    return { chunks: read.call(this), lastRow: () => last };
  }

  async close(): Promise<void> {
    let clean = !this.midCopy;
    try {
      if (clean) await this.client.query("COMMIT");
    } catch (error) {
      clean = false;
      throw error;
    } finally {
      await this.done(clean);
    }
  }
}
