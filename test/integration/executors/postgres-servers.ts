import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../support.ts";

/*
 * A PostgreSQL server of a test's own, for settings the stack's shared server must not take (a slot that may lose
 * its WAL would take other tests' slots with it): initdb and pg_ctl on a data directory of its own, as
 * scripts/lib/postgres.sh starts the stack's (as the `postgres` OS user when the test runs as root, since
 * PostgreSQL refuses to run as root), listening on 127.0.0.1 at a free port, user `smelter` (superuser, trust).
 */

const run = promisify(execFile);
const BIN = process.env.SMELTER_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** A running server of the test. */
export interface PostgresServer {
  /** `postgres://smelter:smelter@127.0.0.1:<port>/postgres`. */
  url: string;
  connect(): Promise<pg.Client>;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts a server with `wal_level=logical` and the settings `settings` (`name=value`). */
export async function startPostgres(settings: string[]): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), "smelter-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const owner = async (bin: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(BIN, bin), ...args]) : run(join(BIN, bin), args);
  if (asRoot) {
    const [uid, gid] = await Promise.all(
      ["-u", "-g"].map(async (flag) => Number((await run("id", [flag, "postgres"])).stdout.trim())),
    );
    await chown(dir, uid as number, gid as number);
  }
  await owner("initdb", [
    "-D",
    data,
    "-U",
    "smelter",
    "-E",
    "UTF8",
    "--locale=C",
    "--auth=trust",
    "--no-sync",
  ]);
  const port = await freePort();
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-k ${dir}`,
    "-c wal_level=logical",
    "-c max_replication_slots=8",
    "-c max_wal_senders=8",
    "-c fsync=off",
    ...settings.map((s) => `-c ${s}`),
  ];
  await owner("pg_ctl", [
    "start",
    "-D",
    data,
    "-l",
    join(dir, "server.log"),
    "-s",
    "-w",
    "-o",
    options.join(" "),
  ]);
  const url = `postgres://smelter:smelter@127.0.0.1:${port}/postgres`;
  return {
    url,
    connect: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    },
    stop: async () => {
      await owner("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-s", "-w"]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
