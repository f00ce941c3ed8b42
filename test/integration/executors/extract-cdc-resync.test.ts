import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type mysql from "mysql2/promise";
import pg from "pg";
import { executors } from "../../../src/executors/index.ts";
import { parsePipeline } from "../../../src/registry.ts";
import {
  airflowCtx,
  call,
  eventually,
  freshDatabase,
  startService,
  type TestService,
} from "../http/harness.ts";
import {
  type ChangeTarget,
  type ExpectedFeed,
  feedByKey,
  newestVersion,
  random,
  randomChange,
} from "./cdc-helpers.ts";
import { mariadbTable, missingStack, postgresSource, uniqueName } from "./extract-helpers.ts";

/*
 * A re-sync of one cdc table and its source task's drain (`airflow.granularity: source`), started together through
 * the service, as an operator's re-sync meets Airflow's scheduled source task. On PostgreSQL both read the source's
 * one replication slot: unserialised, the drain could store and confirm the slot past the head the re-sync's
 * snapshot is joined to, and the table would lose the changes in between. MariaDB has no slot, but the drain could
 * store the table's position over the re-sync's the same way. The service runs each execution under the advisory
 * locks of every table it covers (a source task: all the source's tables), so the two never overlap: the second
 * waits for the first. Three interleavings, with changes before, during and after them: each time the re-synced
 * table and the other one end equal to the source, and every change made afterwards reaches each change feed once.
 */

const ROWS = 2000;
const TABLES = ["t1", "t2"] as const;

type Feeds = Map<string, ExpectedFeed>;

/** What differs between the sources: the connection, the source's names of the tables, and its SQL. */
interface Source {
  /** The connection's YAML (a flow mapping). */
  connection: string;
  /** The source's name of a table of the spec. */
  table(t: string): string;
  /** Runs a statement (`?` placeholders); how many rows it changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** id → payload of every row of a table of the spec. */
  rows(t: string): Promise<Map<number, string | null>>;
  /** Inserts (id, payload), or sets the payload of an existing id. */
  upsert(t: string): string;
}

function suite(kind: string, source: () => Source): void {
  const name = uniqueName("p");
  const warehouse = new pg.Pool({ connectionString: process.env.SMELTER_WAREHOUSE_URL, max: 2 });
  const next = random(23);
  let state: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;
  let yaml = "";

  before(async () => {
    state = await freshDatabase();
    svc = await startService(state.url, { registry: executors, parse: parsePipeline, lockWaitSeconds: 120 });
    const landing = await mkdtemp(join(tmpdir(), "smelter-land-"));
    const src = source();
    yaml = `version: 1
name: ${name}
connections:
  src: ${src.connection}
  wh: { kind: postgres, url: { env: SMELTER_WAREHOUSE_URL } }
  land: { kind: local, path: ${landing} }
warehouse: wh
landing: land
airflow: { granularity: source }
tables:
${TABLES.map((t) => `  - { name: ${t}, table: ${src.table(t)}, primary_key: [id], mode: cdc, chunk_size: 250 }`).join("\n")}
`;
    const res = await fetch(`${svc.url}/api/v1/pipelines/${name}`, {
      method: "PUT",
      headers: { authorization: "Bearer ops-token", "content-type": "application/yaml" },
      body: yaml,
    });
    assert.equal(res.status, 201, await res.text());
  });

  after(async () => {
    await svc?.close();
    await state?.drop();
    await warehouse.query(`DROP SCHEMA IF EXISTS "${name}_bronze" CASCADE`);
    await warehouse.query(`DROP SCHEMA IF EXISTS "${name}_silver" CASCADE`);
    await warehouse.end();
  });

  const spec = () => parsePipeline(yaml, `${name}.yaml`).spec;

  const target = (t: string): ChangeTarget => {
    const src = source();
    const table = src.table(t);
    return {
      upsert: (id, payload) => src.run(src.upsert(t), [id, payload]),
      update: (id, payload) =>
        src.run(`UPDATE ${table} SET payload = ?, updated_at = now() WHERE id = ?`, [payload, id]),
      remove: (id) => src.run(`DELETE FROM ${table} WHERE id = ?`, [id]),
    };
  };

  /** `ops` random changes to both tables, in transactions of one to four that often span both; by table. */
  const changes = async (ops: number, tag: string): Promise<Feeds> => {
    const feeds: Feeds = new Map();
    let i = 0;
    while (i < ops) {
      await source().run("BEGIN");
      const size = 1 + Math.floor(next() * 4);
      for (let k = 0; k < size && i < ops; k++, i++) {
        const t = TABLES[Math.floor(next() * TABLES.length)] as string;
        const feed = feeds.get(t) ?? new Map();
        feeds.set(t, feed);
        await randomChange(target(t), next, `${tag}-${i}`, feed);
      }
      await source().run("COMMIT");
    }
    return feeds;
  };
  /** Appends the changes of `more` to `into`, key by key. */
  const append = (into: Feeds, more: Feeds): void => {
    for (const [t, feed] of more) {
      const to = into.get(t) ?? new Map();
      into.set(t, to);
      for (const [id, list] of feed) to.set(id, [...(to.get(id) ?? []), ...list]);
    }
  };

  /** Submits an execution as Airflow's operator does; its id. */
  const submit = async (body: Record<string, unknown>): Promise<string> => {
    const r = await call(svc.url, "POST", "/api/v1/executions", {
      pipeline: name,
      idempotency_key: `k-${randomBytes(6).toString("hex")}`,
      airflow: airflowCtx(`${body.step}__src`),
      ...body,
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.id ?? r.body.execution?.id;
  };
  /** Asks the service for a re-sync of `table` (the operator's action); the execution's id. */
  const resync = async (table: string): Promise<string> => {
    const r = await call(svc.url, "POST", `/api/v1/pipelines/${name}/tables/${table}/resync`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.execution.id;
  };
  const drain = () => submit({ step: "extract", source: "src" });
  const finished = async (id: string) => {
    const done = await eventually(async () => {
      const r = await call(svc.url, "GET", `/api/v1/executions/${id}?wait=5`);
      return ["success", "failed", "cancelled"].includes(r.body.status) && r.body;
    }, 300_000);
    assert.equal(done.status, "success", JSON.stringify(done.error));
    return done;
  };
  const waited = async (id: string, other: string) =>
    (await call(svc.url, "GET", `/api/v1/executions/${id}/logs`)).body.lines.some(
      (l: { message: string }) => l.message === `waiting for execution ${other} holding the lock`,
    );
  /** One drain of the source task, then bronze of its tables. */
  const drainAndBronze = async () => {
    await finished(await drain());
    await finished(await submit({ step: "bronze", source: "src" }));
  };

  /** Ids whose payload differs between the source and bronze (every change writes a new one), by table. */
  const differences = async (): Promise<Record<string, number[]>> => {
    const out: Record<string, number[]> = {};
    for (const t of TABLES) {
      const rows = await source().rows(t);
      const { rows: there } = await warehouse.query<{ id: string; p: string | null }>(
        `SELECT id::text AS id, payload AS p FROM "${name}_bronze"."${t}"`,
      );
      const bronze = new Map(there.map((r) => [Number(r.id), r.p]));
      const bad = [...rows].filter(([id, p]) => !bronze.has(id) || bronze.get(id) !== p).map(([id]) => id);
      for (const id of bronze.keys()) if (!rows.has(id)) bad.push(id);
      if (bad.length > 0) out[t] = bad.sort((a, b) => a - b).slice(0, 20);
    }
    return out;
  };
  const versions = async () =>
    new Map(
      await Promise.all(TABLES.map(async (t) => [t, await newestVersion(warehouse, spec(), t)] as const)),
    );
  /** Each change feed after `since` holds exactly `feeds` (tables in it). */
  const feedsAre = async (feeds: Feeds, since: Map<string, number>, what: string) => {
    for (const [t, expected] of feeds) {
      const feed = await feedByKey(warehouse, spec(), t, since.get(t) ?? 0);
      assert.deepEqual(
        [...feed.entries()].sort((a, b) => a[0] - b[0]),
        [...expected.entries()].sort((a, b) => a[0] - b[0]),
        `${what}, ${t}: the change feed holds each change once, in order`,
      );
    }
  };

  /**
   * Changes, then `together` starts a re-sync of t1 and a drain of the source (it may make more changes, through
   * `more`; it returns the two ids), then changes and drains: bronze equals the source, t2's change feed holds every
   * change of the round once, in order, and t1's every change made after the pair. Whether one of the two waited
   * for the lock the other held.
   */
  const round = async (
    tag: string,
    together: (more: (ops: number, tag: string) => Promise<void>) => Promise<[string, string]>,
  ): Promise<boolean> => {
    const before = await versions();
    const all = await changes(60, `${tag}-before`);
    const [first, second] = await together(async (ops, t) => append(all, await changes(ops, `${tag}-${t}`)));
    await finished(first);
    await finished(second);
    const serialised = (await waited(second, first)) || (await waited(first, second));
    await finished(await submit({ step: "bronze", source: "src" }));
    await drainAndBronze();
    assert.deepEqual(await differences(), {}, `${tag}: bronze equals the source after the pair`);
    const afterPair = await versions();
    const later = await changes(80, `${tag}-after`);
    await drainAndBronze();
    append(later, await changes(40, `${tag}-last`));
    await drainAndBronze();
    append(all, later);
    assert.deepEqual(await differences(), {}, `${tag}: bronze equals the source`);
    await feedsAre(
      new Map([["t1", later.get("t1") ?? new Map()]]),
      afterPair,
      `${tag}, t1 after its re-sync`,
    );
    await feedsAre(new Map([["t2", all.get("t2") ?? new Map()]]), before, `${tag}, t2 through the round`);
    return serialised;
  };

  it(`serialises a re-sync and the ${kind} source task's drain started together; no change lost or landed twice`, async () => {
    await drainAndBronze();
    assert.deepEqual(await differences(), {}, "the first run loads both tables");

    // The re-sync asked for first, the source task right after it.
    const a = await round("resync-first", async () => {
      const r = await resync("t1");
      return [r, await drain()];
    });
    assert.ok(a, "one of the two waited for the lock the other held");
    // The source task first, the re-sync right after it.
    const b = await round("drain-first", async () => {
      const d = await drain();
      return [d, await resync("t1")];
    });
    assert.ok(b, "one of the two waited for the lock the other held");
    // The re-sync, changes while its snapshot is read, then the source task, and changes while it waits.
    await round("changes-between", async (more) => {
      const r = await resync("t1");
      await more(30, "between-1");
      const d = await drain();
      await more(30, "between-2");
      return [r, d];
    });
  });
}

describe(
  "a re-sync and its PostgreSQL source's drain started together",
  { skip: missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL") ?? false },
  () => {
    const URL_ENV = "TEST_PG_CDC_RESYNC_URL";
    const { src } = postgresSource("cdcrsy", URL_ENV);
    before(async () => {
      await src().query("CREATE SCHEMA app");
      for (const t of TABLES) {
        await src().query(
          `CREATE TABLE app.${t} (id int8 PRIMARY KEY, payload text, updated_at timestamptz NOT NULL)`,
        );
        await src().query(`ALTER TABLE app.${t} REPLICA IDENTITY FULL`);
        await src().query(`INSERT INTO app.${t}
          SELECT g, '${t} row ' || g, '2026-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, ${ROWS}) g`);
      }
    });
    suite("PostgreSQL", () => ({
      connection: `{ kind: postgres, url: { env: ${URL_ENV} }, max_connections: 2 }`,
      table: (t) => `app.${t}`,
      run: async (sql, params) => {
        let n = 0;
        return (
          (
            await src().query(
              sql.replace(/\?/g, () => `$${++n}`),
              params,
            )
          ).rowCount ?? 0
        );
      },
      rows: async (t) =>
        new Map(
          (
            await src().query<{ id: string; p: string | null }>(
              `SELECT id::text AS id, payload AS p FROM app.${t}`,
            )
          ).rows.map((r) => [Number(r.id), r.p]),
        ),
      upsert: (t) =>
        `INSERT INTO app.${t} (id, payload, updated_at) VALUES (?, ?, now())
         ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, updated_at = now()`,
    }));
  },
);

describe(
  "a re-sync and its MariaDB source's drain started together",
  { skip: missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL") ?? false },
  () => {
    const create = async (db: mysql.Connection, table: string) => {
      await db.query(
        `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, payload TEXT, updated_at DATETIME(6) NOT NULL)`,
      );
      await db.query(
        `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
      );
    };
    const tables = { t1: mariadbTable("cdcrsy1", create), t2: mariadbTable("cdcrsy2", create) };
    const db = () => tables.t1.db();
    suite("MariaDB", () => ({
      connection: "{ kind: mariadb, url: { env: SMELTER_MARIADB_URL }, max_connections: 2 }",
      table: (t) => tables[t as keyof typeof tables].table,
      run: async (sql, params) => {
        const [result] = (await db().query(sql, params)) as unknown as [{ affectedRows?: number }];
        return result.affectedRows ?? 0;
      },
      rows: async (t) => {
        const [rows] = (await db().query(
          `SELECT CAST(id AS CHAR) AS id, payload AS p FROM ${tables[t as keyof typeof tables].table}`,
        )) as unknown as [{ id: string; p: string | null }[]];
        return new Map(rows.map((r) => [Number(r.id), r.p]));
      },
      upsert: (t) =>
        `INSERT INTO ${tables[t as keyof typeof tables].table} (id, payload, updated_at) VALUES (?, ?, NOW(6))
         ON DUPLICATE KEY UPDATE payload = VALUES(payload), updated_at = NOW(6)`,
    }));
  },
);
