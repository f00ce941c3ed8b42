import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { freePort } from "../support.ts";

/*
 * MariaDB servers of a test's own, for failovers between two real servers: each on its own data directory
 * (mariadb-install-db, then mariadbd --no-defaults, as scripts/lib/mariadb.sh starts the stack's), listening on
 * 127.0.0.1 at a free port, with the settings change capture needs and the user `smelter` (every privilege).
 */

const run = promisify(execFile);

function binary(name: string): string {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/bin"]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} not found: install mariadb-server (scripts/stack up mariadb does)`);
}

/** A running server of the test. */
export interface MariadbServer {
  port: number;
  /** `mysql://smelter:smelter@127.0.0.1:<port>/<database>`. */
  url(database: string): string;
  /** A connection as `smelter` (multiple statements allowed). */
  connect(database?: string): Promise<mysql.Connection>;
  /** Stops the server (SIGTERM, as a shutdown) and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts a server with server id `serverId` whose binary log is `mariadb-bin.*` (with replicated changes). */
export async function startMariadb(serverId: number): Promise<MariadbServer> {
  const dir = await mkdtemp(join(tmpdir(), `smelter-mariadb-${serverId}-`));
  const data = join(dir, "data");
  const socket = join(dir, "mariadb.sock");
  // Temporary files of its own: servers installed side by side must not meet in the system's temporary directory.
  const tmp = join(dir, "tmp");
  await mkdir(tmp);
  const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
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
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary("mariadbd"),
    [
      "--no-defaults",
      ...asRoot,
      `--datadir=${data}`,
      "--bind-address=127.0.0.1",
      `--port=${port}`,
      `--socket=${socket}`,
      `--tmpdir=${tmp}`,
      `--log-error=${join(dir, "error.log")}`,
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=32M",
      `--server-id=${serverId}`,
      "--log-bin=mariadb-bin",
      "--log-slave-updates",
      "--skip-slave-start",
      "--binlog-format=ROW",
      "--binlog-row-image=FULL",
      "--binlog-row-metadata=FULL",
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let root: mysql.Connection | undefined;
  for (let i = 0; i < 300 && !root; i++) {
    root = await mysql.createConnection({ socketPath: socket, user: "root" }).catch(() => undefined);
    if (!root) await new Promise((r) => setTimeout(r, 100));
  }
  if (!root) {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`MariaDB (server id ${serverId}) did not start: see ${join(dir, "error.log")}`);
  }
  // Not in the binary log: a replica of this server has its own user.
  await root.query("SET sql_log_bin = 0");
  await root.query("CREATE USER 'smelter'@'127.0.0.1' IDENTIFIED BY 'smelter'");
  await root.query("GRANT ALL PRIVILEGES ON *.* TO 'smelter'@'127.0.0.1' WITH GRANT OPTION");
  await root.end();
  const url = (database: string) => `mysql://smelter:smelter@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
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
    await conn.query(
      `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'smelter',
         MASTER_PASSWORD = 'smelter', MASTER_USE_GTID = slave_pos`,
    );
    await conn.query("START SLAVE");
  } finally {
    await conn.end();
  }
  await caughtUp(primary, replica);
}

/** Waits until `replica` applied everything `primary` has logged so far. */
export async function caughtUp(primary: MariadbServer, replica: MariadbServer): Promise<void> {
  const p = await primary.connect();
  const r = await replica.connect();
  try {
    const [rows] = await p.query("SELECT @@gtid_binlog_pos AS pos");
    const pos = (rows as { pos: string }[])[0]?.pos ?? "";
    const [waited] = await r.query("SELECT MASTER_GTID_WAIT(?, 30) AS w", [pos]);
    if ((waited as { w: number }[])[0]?.w !== 0) {
      const [status] = await r.query("SHOW SLAVE STATUS");
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
    await conn.query("STOP SLAVE");
    await conn.query("RESET SLAVE ALL");
  } finally {
    await conn.end();
  }
}
