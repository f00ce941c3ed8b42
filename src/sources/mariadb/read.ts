import type { Socket } from "node:net";
import type { Connection as CoreConnection } from "mysql2";
import type mysql from "mysql2/promise";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sourceError } from "../errors.ts";
import { KeptConnections, settingsKey } from "../kept.ts";
import { type SqlDialect, SqlSnapshot, selectSql } from "../sql.ts";
import type {
  CsvColumn,
  CsvRead,
  CsvReadOptions,
  CsvRows,
  ReadRange,
  Relation,
  SourceColumn,
  SourceSnapshot,
} from "../types.ts";
import { connectMariadb } from "./connection.ts";
import { type CsvReader, csvChunks, missingWireHooks } from "./wire-read.ts";

const dialect: SqlDialect = {
  quote: (id) => `\`${id.replace(/`/g, "``")}\``,
  param: () => "?",
};

const kept = new KeptConnections<mysql.Connection>({
  end: (conn) => conn.end().catch(() => undefined),
  hold: (conn, held) => {
    const socket = (conn as unknown as { connection: { stream?: Socket } }).connection.stream;
    if (held) socket?.ref();
    else socket?.unref();
  },
});

let reader: CsvReader | undefined;

/**
 * The reader of this process, chosen once, when the first MariaDB/MySQL source is opened (mysql2 is loaded by
 * then): the wire reader when mysql2 has every internal it hooks, otherwise mysql2's row events, with a warning.
 */
function csvReader(): CsvReader {
  if (reader === undefined) {
    const missing = missingWireHooks();
    if (missing !== null) {
      process.emitWarning(
        `smelter's wire-level CSV reader does not find what it hooks in this mysql2 (${missing}); MariaDB/MySQL ` +
          "rows are read through mysql2's row events instead, which lands the same values more slowly",
        { code: "SMELTER_MYSQL2_WIRE_HOOKS" },
      );
    }
    reader = missing === null ? "wire" : "rows";
  }
  return reader;
}

/**
 * A MariaDB/MySQL snapshot: `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` on REPEATABLE READ, so the
 * high watermark and the rows are read from the same state. The connection is a kept one when there is one
 * (see ../kept.ts); a kept connection the server closed meanwhile is replaced by a new one.
 */
export async function openMariadbSnapshot(
  db: ResolvedDatabase,
  options: { statementTimeoutMs: number },
): Promise<SourceSnapshot> {
  const key = settingsKey(db, options.statementTimeoutMs);
  const reused = kept.take(key);
  const conn = reused ?? (await connectMariadb(db, options.statementTimeoutMs));
  csvReader();
  const where = `source ${db.name}`;
  let info: Record<string, unknown>;
  try {
    await conn.query("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    const [rows] = await conn.query(
      "SELECT VERSION(), DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')",
    );
    const first = (rows as unknown[][])[0] ?? [];
    // MariaDB: the binlog position this snapshot sees up to, where change capture joins it (empty on MySQL).
    const [status] = await conn.query("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
    const at = new Map((status as unknown[][]).map((r) => [String(r[0]).toLowerCase(), String(r[1])]));
    const file = at.get("binlog_snapshot_file");
    info = {
      ...(file ? { binlog: { file, offset: Number(at.get("binlog_snapshot_position")) } } : {}),
      serverVersion: first[0],
      snapshotAt: first[1],
      isolation: "REPEATABLE READ",
      timezone: db.timezone,
    };
  } catch (error) {
    await conn.end().catch(() => undefined);
    if (reused) return openMariadbSnapshot(db, options);
    throw sourceError(error, where);
  }
  return new MariadbSnapshot(conn, db, info, (clean) => (clean ? kept.give(key, conn) : conn.end()));
}

class MariadbSnapshot extends SqlSnapshot {
  /** Reads started and not read to their end: the connection may still be receiving their rows. */
  private unfinished = 0;

  constructor(
    private readonly conn: mysql.Connection,
    db: ResolvedDatabase,
    info: Record<string, unknown>,
    /** Gives the connection up: kept when `clean`, closed otherwise. */
    private readonly done: (clean: boolean) => Promise<void>,
  ) {
    super(dialect, db, info);
  }

  protected readonly defaultSchema = this.db.database;
  protected readonly noSuchTable = "ER_NO_SUCH_TABLE";

  protected async tableColumns(schema: string, table: string): Promise<SourceColumn[]> {
    // MariaDB stores JSON as LONGTEXT with a json_valid() check; MySQL has a JSON type (and no TABLE_NAME in
    // CHECK_CONSTRAINTS). The table's check clauses are read once, not per column: a correlated subquery on
    // CHECK_CONSTRAINTS took 50-100 ms, the same answer this way 1-4 ms.
    const mariadb = String(this.info.serverVersion).includes("MariaDB");
    const isJson = mariadb
      ? `CONCAT('json_valid(\`', c.COLUMN_NAME, '\`)') IN (
           SELECT k.CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS k
            WHERE k.CONSTRAINT_SCHEMA = ? AND k.TABLE_NAME = ?)`
      : "0";
    const [rows] = await this.conn.query(
      `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, c.NUMERIC_PRECISION, c.NUMERIC_SCALE,
              ${isJson} AS IS_JSON
         FROM information_schema.COLUMNS c
        WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ?
        ORDER BY c.ORDINAL_POSITION`,
      mariadb ? [schema, table, schema, table] : [schema, table],
    );
    return (rows as unknown[][]).map((r) => {
      const dataType = String(r[1]).toLowerCase();
      return {
        name: String(r[0]),
        dataType: Number(r[6]) === 1 ? "json" : dataType,
        columnType: String(r[2]).toLowerCase(),
        nullable: r[3] === "YES",
        precision: dataType === "bit" ? bitWidth(String(r[2])) : r[4] === null ? null : Number(r[4]),
        scale: r[5] === null ? null : Number(r[5]),
      };
    });
  }

  protected async queryColumns(query: string): Promise<SourceColumn[]> {
    const [, fields] = await this.conn.query(`SELECT * FROM (${query}) AS \`_smelter_src\` LIMIT 0`);
    return (fields ?? []).map((f) => fieldColumn(f));
  }

  protected async queryFirstRow(sql: string, values: unknown[] | undefined): Promise<unknown[] | undefined> {
    const [rows] = await (values ? this.conn.query(sql, values) : this.conn.query(sql));
    return (rows as unknown[][])[0];
  }

  streamCsv(relation: Relation, columns: CsvColumn[], range: ReadRange, options: CsvReadOptions): CsvRead {
    const { sql, values } = selectSql(
      dialect,
      relation,
      columns.map((c) => c.name),
      range,
    );
    const core = (this.conn as unknown as { connection: CoreConnection }).connection;
    let last: unknown[] | null = null;
    const chunks = csvChunks(
      core,
      { sql, values },
      {
        reader: csvReader(),
        mappings: columns.map((c) => c.mapping),
        partRows: options.partRows,
        signal: options.signal,
        where: this.where(relation),
        onLastRow: (row) => {
          last = row;
        },
      },
    );
    const tracked = async function* (this: MariadbSnapshot): AsyncIterable<CsvRows> {
      this.unfinished += 1;
      yield* chunks;
      this.unfinished -= 1;
    };
    return { chunks: tracked.call(this), lastRow: () => last };
  }

  async close(): Promise<void> {
    let clean = this.unfinished === 0;
    try {
      await this.conn.query("COMMIT");
    } catch (error) {
      clean = false;
      throw error;
    } finally {
      await this.done(clean);
    }
  }
}

function bitWidth(columnType: string): number {
  return Number(/bit\((\d+)\)/i.exec(columnType)?.[1] ?? 1);
}

/** mysql2 field metadata → a column; used for `query:` sources where information_schema does not apply. */
function fieldColumn(field: mysql.FieldPacket): SourceColumn {
  const names: Record<number, string> = {
    0: "decimal",
    1: "tinyint",
    2: "smallint",
    3: "int",
    4: "float",
    5: "double",
    7: "timestamp",
    8: "bigint",
    9: "mediumint",
    10: "date",
    11: "time",
    12: "datetime",
    13: "year",
    15: "varchar",
    16: "bit",
    245: "json",
    246: "decimal",
    247: "enum",
    248: "set",
    249: "tinyblob",
    250: "mediumblob",
    251: "longblob",
    252: "blob",
    253: "varchar",
    254: "char",
  };
  const binary = ((field.flags as number) & 128) !== 0 && field.characterSet === 63;
  let dataType = names[field.columnType ?? 253] ?? "varchar";
  if (["tinyblob", "mediumblob", "longblob", "blob"].includes(dataType) && !binary) dataType = "text";
  if ((dataType === "varchar" || dataType === "char") && binary) dataType = "varbinary";
  const unsigned = ((field.flags as number) & 32) !== 0;
  const decimals = field.decimals ?? 0;
  const precision =
    dataType === "decimal" ? (field.columnLength ?? 10) - (decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1) : null;
  return {
    name: field.name,
    dataType,
    columnType: `${dataType}${unsigned ? " unsigned" : ""}`,
    nullable: ((field.flags as number) & 1) === 0,
    precision: dataType === "bit" ? (field.columnLength ?? 1) : precision,
    scale: dataType === "decimal" ? decimals : null,
  };
}
