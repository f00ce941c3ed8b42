import type { Socket } from "node:net";
import type hiveDriver from "hive-driver";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import { sparkError } from "./errors.ts";

/**
 * One HiveServer2 session on a Spark Thrift server (binary TCP transport, SASL PLAIN), through `hive-driver`.
 * Statements run synchronously (`runAsync: false`): the call returns once Spark is done, so nothing polls the
 * server. Values are read exactly by this module's own row reader: the driver's default conversion turns DECIMAL
 * into a JS number and BIGINT above 2^53 into `Infinity`; here BIGINT is read as a 64-bit integer and every value
 * comes back as text (`null` for NULL). Spark sends DECIMAL, DATE and TIMESTAMP as strings already.
 */

type Hive = typeof hiveDriver;

/** The driver, loaded on the first connection: commands that never reach Spark do not pay for its import. */
let driver: Promise<Hive> | undefined;
const loadDriver = (): Promise<Hive> => {
  // A CommonJS module: its exports are the namespace itself under some loaders, its `default` under others.
  driver ??= import("hive-driver").then((m) => {
    const ns = m as unknown as Hive & { default?: Hive };
    return ns.thrift ? ns : (ns.default as Hive);
  });
  return driver;
};

/** A result row: column name → value as text, NULL as null. */
export type SparkRow = Record<string, string | null>;

/** Rows fetched per round trip (the driver's default is 100). */
const FETCH_ROWS = 10_000;

interface ThriftColumn {
  values: unknown[];
  nulls: Buffer;
}

/** The value of one column of a fetched row set, as text. */
function text(kind: string, value: unknown): string {
  switch (kind) {
    case "i64Val": {
      // node-int64 objects: 8 big-endian bytes at `offset` of `buffer`.
      const v = value as { buffer: Buffer; offset: number };
      return v.buffer.readBigInt64BE(v.offset).toString();
    }
    case "binaryVal":
      return (value as Buffer).toString("hex");
    default:
      return String(value);
  }
}

function isNull(nulls: Buffer | undefined, i: number): boolean {
  const byte = nulls?.[Math.floor(i / 8)] ?? 0;
  return (byte & (1 << (i % 8))) !== 0;
}

const KINDS = ["boolVal", "byteVal", "i16Val", "i32Val", "i64Val", "doubleVal", "stringVal", "binaryVal"];

interface RowSet {
  columns?: Record<string, ThriftColumn | null | undefined>[];
}

/** Turns fetched column-oriented row sets into rows keyed by the schema's column names. */
function readRows(names: string[], data: RowSet[]): SparkRow[] {
  const rows: SparkRow[] = [];
  for (const set of data) {
    const columns = set.columns ?? [];
    const first = columns.length;
    let count = 0;
    const decoded = columns.map((column) => {
      const kind = KINDS.find((k) => column[k] != null) ?? "stringVal";
      const col = column[kind] as ThriftColumn;
      count = Math.max(count, col.values.length);
      return { kind, col };
    });
    for (let i = 0; i < count && first > 0; i++) {
      const row: SparkRow = {};
      decoded.forEach(({ kind, col }, c) => {
        row[names[c] as string] = isNull(col.nulls, i) ? null : text(kind, col.values[i]);
      });
      rows.push(row);
    }
  }
  return rows;
}

interface Operation {
  status(progress: boolean): Promise<{ operationState?: number; errorMessage?: string }>;
  fetch(): Promise<unknown>;
  hasMoreRows(): boolean;
  setMaxRows(n: number): void;
  getSchema(): { columns: { columnName: string; position: number }[] } | null;
  getData(): RowSet[];
  close(): Promise<unknown>;
}

interface Session {
  executeStatement(sql: string, options?: { runAsync?: boolean }): Promise<Operation>;
  close(): Promise<unknown>;
}

/** A session on the warehouse; statements run one at a time, in order. */
export class SparkClient {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly client: InstanceType<Hive["HiveClient"]>,
    /** The driver's Thrift types (operation states). */
    private readonly T: Hive["thrift"]["TCLIService_types"],
    private readonly session: Session,
    /** Names the warehouse in messages: connection name and address, never a credential. */
    readonly where: string,
    /** Base location of the schemas smelter creates (`<location>/<schema>`); unset: the catalog's own. */
    readonly location: string | undefined,
    /** The landing zone's root as Spark reads it, when the connection sets it. */
    readonly landingPath: string | undefined,
  ) {}

  /** Opens a connection and a session; a refused or unreachable server is a retryable TransientError. */
  static async connect(db: ResolvedDatabase): Promise<SparkClient> {
    const where = `warehouse ${db.name} (spark ${db.host}:${db.port})`;
    const hive = await loadDriver();
    const { TCLIService, TCLIService_types: T } = hive.thrift;
    const client = new hive.HiveClient(TCLIService, T);
    // A dropped connection emits 'error' (or 'close') outside any statement; the next statement reports it.
    client.on("error", () => undefined);
    try {
      await client.connect(
        { host: db.host, port: db.port },
        new hive.connections.TcpConnection(),
        new hive.auth.PlainTcpAuthentication({ username: db.user, password: db.password }),
      );
      const session = (await client.openSession({
        client_protocol: T.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10,
      })) as unknown as Session;
      const spark = new SparkClient(client, T, session, where, db.location, db.landingPath);
      client.on("close", () => {
        spark.closed = true;
      });
      return spark;
    } catch (error) {
      client.close();
      throw sparkError(error, where);
    }
  }

  /** Runs one statement and returns its rows (none for DDL and DML other than MERGE's summary). */
  query(sql: string): Promise<SparkRow[]> {
    const run = this.queue.then(() => this.execute(sql));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs statements in order. */
  async run(...statements: string[]): Promise<void> {
    for (const sql of statements) await this.query(sql);
  }

  private async execute(sql: string): Promise<SparkRow[]> {
    let op: Operation;
    try {
      op = await this.session.executeStatement(sql, { runAsync: false });
    } catch (error) {
      throw sparkError(error, this.where, sql);
    }
    try {
      await this.finished(op);
      op.setMaxRows(FETCH_ROWS);
      await op.fetch();
      while (op.hasMoreRows()) await op.fetch();
      const schema = op.getSchema();
      if (!schema) return [];
      const names = [...schema.columns].sort((a, b) => a.position - b.position).map((c) => c.columnName);
      return readRows(names, op.getData());
    } catch (error) {
      throw sparkError(error, this.where, sql);
    } finally {
      await op.close().catch(() => undefined);
    }
  }

  /**
   * Waits for the operation's final state: a synchronous statement is done when `executeStatement` returns, but the
   * driver only fetches once it has seen the state. Polls with a growing pause otherwise.
   */
  private async finished(op: Operation): Promise<void> {
    const T = this.T;
    for (let pause = 10; ; pause = Math.min(pause * 2, 500)) {
      const status = await op.status(false);
      const state = status.operationState;
      if (state === T.TOperationState.FINISHED_STATE) return;
      if (state === T.TOperationState.ERROR_STATE || state === T.TOperationState.CANCELED_STATE) {
        throw { message: status.errorMessage ?? "the statement failed", response: status };
      }
      if (state === T.TOperationState.CLOSED_STATE || state === T.TOperationState.TIMEDOUT_STATE) {
        throw new Error(`the statement ended in state ${state}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** False once the connection closed: the session cannot be used again. */
  get usable(): boolean {
    return !this.closed;
  }

  /**
   * Marks the session idle (kept for later) or in use. An idle session's socket does not keep the process alive,
   * so a process whose work is done exits whatever sessions a pool still keeps.
   */
  idle(on: boolean): void {
    const socket = (
      this.client as unknown as { connection?: { getConnection(): { connection?: Socket } } }
    ).connection?.getConnection().connection;
    if (on) socket?.unref?.();
    else socket?.ref?.();
  }

  /**
   * Ends the session once its statements are done, waiting at most `graceMs` for them and for the server to
   * acknowledge: a server that stopped answering must not keep the caller (or its process) waiting.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    const within = (p: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      return Promise.race([p.catch(() => undefined), expired]).finally(() => clearTimeout(timer));
    };
    await within(this.queue);
    await within(this.session.close());
    this.client.close();
  }
}
