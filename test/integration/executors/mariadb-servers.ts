import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { freePort } from "../support.ts";

/*
 * MariaDB and MySQL servers of a test's own, for failovers between two real servers: each on its own data
 * directory (mariadb-install-db and mariadbd --no-defaults, or the stack's MySQL launcher `SMELTER_MYSQLD`, as
 * scripts/lib/mariadb.sh and scripts/lib/mysql.sh start the stack's), listening on 127.0.0.1 at a free port, with
 * the settings change capture needs (GTIDs on) and the user `smelter` (every privilege).
 */

const run = promisify(execFile);

function binary(name: string): string {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/bin"]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} not found: install mariadb-server (scripts/stack up mariadb does)`);
}

const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];

/** A running server of the test. */
export interface MariadbServer {
  flavour: "mariadb" | "mysql";
  port: number;
  /** `mysql://smelter:smelter@127.0.0.1:<port>/<database>`. */
  url(database: string): string;
  /** A connection as `smelter` (multiple statements allowed). */
  connect(database?: string): Promise<mysql.Connection>;
  /** Stops the server (SIGTERM, as a shutdown) and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts a MariaDB server with server id `serverId` whose binary log is `mariadb-bin.*` (with replicated changes). */
export async function startMariadb(serverId: number): Promise<MariadbServer> {
  const dir = await mkdtemp(join(tmpdir(), `smelter-mariadb-${serverId}-`));
  const data = join(dir, "data");
  // Temporary files of its own: servers installed side by side must not meet in the system's temporary directory.
  const tmp = join(dir, "tmp");
  await mkdir(tmp);
  await run(binary("mariadb-install-db"), [
    "--no-defaults",
    `--datadir=${data}`,
    ...asRoot,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    `--tmpdir=${tmp}`,
  ]).catch(async (error) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return serve(
    "mariadb",
    dir,
    serverId,
    [binary("mariadbd"), "--no-defaults"],
    [
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      "--log-bin=mariadb-bin",
      "--log-slave-updates",
      "--skip-slave-start",
    ],
  );
}

/** An initialised MySQL data directory, made once per process and copied for each server. */
let mysqlTemplate: Promise<string> | undefined;

/** Starts a MySQL server with server id `serverId` whose binary log is `mysql-bin.*`, GTIDs on. */
export async function startMysql(serverId: number): Promise<MariadbServer> {
  const mysqld = process.env.SMELTER_MYSQLD;
  if (!mysqld) throw new Error("SMELTER_MYSQLD is not set: run scripts/stack up mysql and source stack.env");
  mysqlTemplate ??= (async () => {
    const template = await mkdtemp(join(tmpdir(), "smelter-mysql-template-"));
    await run(mysqld, ["--initialize-insecure", `--datadir=${join(template, "data")}`, ...asRoot]);
    return template;
  })();
  const dir = await mkdtemp(join(tmpdir(), `smelter-mysql-${serverId}-`));
  await cp(join(await mysqlTemplate, "data"), join(dir, "data"), { recursive: true });
  // The copy makes a server UUID of its own, which replication between the two requires.
  await rm(join(dir, "data", "auto.cnf"), { force: true });
  await mkdir(join(dir, "tmp"));
  return serve(
    "mysql",
    dir,
    serverId,
    [mysqld],
    [
      "--mysqlx=OFF",
      "--performance-schema=OFF",
      `--secure-file-priv=${join(dir, "tmp")}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      "--log-bin=mysql-bin",
      "--gtid-mode=ON",
      "--enforce-gtid-consistency=ON",
      "--skip-replica-start",
    ],
  );
}

/** Removes a template data directory made by `startMysql` (after the suite's servers stopped). */
export async function removeMysqlTemplate(): Promise<void> {
  if (mysqlTemplate) await rm(await mysqlTemplate, { recursive: true, force: true });
  mysqlTemplate = undefined;
}

/**
 * Runs `command` (the server and the arguments that must come first) on the data directory under `dir` with the
 * settings both servers share and `args`, and makes its user `smelter`.
 */
async function serve(
  flavour: MariadbServer["flavour"],
  dir: string,
  serverId: number,
  command: string[],
  args: string[],
): Promise<MariadbServer> {
  const socket = join(dir, "server.sock");
  const port = await freePort();
  const child: ChildProcess = spawn(
    command[0] as string,
    [
      ...command.slice(1),
      ...asRoot,
      `--datadir=${join(dir, "data")}`,
      "--bind-address=127.0.0.1",
      `--port=${port}`,
      `--socket=${socket}`,
      `--tmpdir=${join(dir, "tmp")}`,
      `--log-error=${join(dir, "error.log")}`,
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=32M",
      `--server-id=${serverId}`,
      "--binlog-format=ROW",
      "--binlog-row-image=FULL",
      "--binlog-row-metadata=FULL",
      ...args,
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let root: mysql.Connection | undefined;
  for (let i = 0; i < 600 && !root; i++) {
    root = await mysql.createConnection({ socketPath: socket, user: "root" }).catch(() => undefined);
    if (!root) await new Promise((r) => setTimeout(r, 100));
  }
  if (!root) {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`${flavour} (server id ${serverId}) did not start: see ${join(dir, "error.log")}`);
  }
  // Not in the binary log: a replica of this server has its own user.
  await root.query("SET sql_log_bin = 0");
  await root.query("CREATE USER 'smelter'@'127.0.0.1' IDENTIFIED BY 'smelter'");
  await root.query("GRANT ALL PRIVILEGES ON *.* TO 'smelter'@'127.0.0.1' WITH GRANT OPTION");
  await root.end();
  const url = (database: string) => `mysql://smelter:smelter@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    flavour,
    port,
    url,
    connect: (database) =>
      mysql.createConnection({
        host: "127.0.0.1",
        port,
        user: "smelter",
        password: "smelter",
        database,
        charset: "utf8mb4",
        multipleStatements: true,
      }),
    stop: async () => {
      if (!stopped) {
        stopped = true;
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `replica` replicate everything `primary` logged (by GTID, from the start of its log) and waits until it
 * holds all of it.
 */
export async function replicate(primary: MariadbServer, replica: MariadbServer): Promise<void> {
  const conn = await replica.connect();
  try {
    if (primary.flavour === "mariadb") {
      await conn.query(
        `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'smelter',
           MASTER_PASSWORD = 'smelter', MASTER_USE_GTID = slave_pos`,
      );
      await conn.query("START SLAVE");
    } else {
      // The primary's key for caching_sha2_password over a connection without TLS.
      await conn.query(
        `CHANGE REPLICATION SOURCE TO SOURCE_HOST = '127.0.0.1', SOURCE_PORT = ${primary.port},
           SOURCE_USER = 'smelter', SOURCE_PASSWORD = 'smelter', SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1`,
      );
      await conn.query("START REPLICA");
    }
  } finally {
    await conn.end();
  }
  await caughtUp(primary, replica);
}

/** Waits until `replica` applied everything `primary` has logged so far. */
export async function caughtUp(primary: MariadbServer, replica: MariadbServer): Promise<void> {
  const p = await primary.connect();
  const r = await replica.connect();
  const mariadb = primary.flavour === "mariadb";
  try {
    const [rows] = await p.query(`SELECT ${mariadb ? "@@gtid_binlog_pos" : "@@gtid_executed"} AS pos`);
    const pos = (rows as { pos: string }[])[0]?.pos ?? "";
    const [waited] = await r.query(
      mariadb ? "SELECT MASTER_GTID_WAIT(?, 30) AS w" : "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, 30) AS w",
      [pos],
    );
    if (Number((waited as { w: number }[])[0]?.w) !== 0) {
      const [status] = await r.query(mariadb ? "SHOW SLAVE STATUS" : "SHOW REPLICA STATUS");
      throw new Error(`the replica did not reach ${pos} in 30 s: ${JSON.stringify(status)}`);
    }
  } finally {
    await p.end();
    await r.end();
  }
}

/** Promotes `replica`: it stops replicating and forgets its primary. */
export async function promote(replica: MariadbServer): Promise<void> {
  const conn = await replica.connect();
  try {
    if (replica.flavour === "mariadb") {
      await conn.query("STOP SLAVE");
      await conn.query("RESET SLAVE ALL");
    } else {
      await conn.query("STOP REPLICA");
      await conn.query("RESET REPLICA ALL");
    }
  } finally {
    await conn.end();
  }
}
