import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
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
import { missingStack, postgresSource, uniqueName } from "./extract-helpers.ts";

/*
 * A re-sync of one cdc table of a PostgreSQL source and the source task's drain, started together through the
 * service, as an operator's re-sync meets Airflow's scheduled source task. Both read the source's one replication
 * slot; unserialised, the drain could store and confirm the slot past the head the re-sync's snapshot is joined
 * to, and the table would lose the changes in between. The service runs each execution under the advisory locks
 * of every table it covers (a source task: all the source's tables), so the two never overlap: the second waits
 * for the first. Three interleavings, with changes before, during and after them: each time the re-synced table
 * and the other one end equal to the source, and every change made afterwards reaches each change feed once.
 */

const skip = missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL");
const URL_ENV = "TEST_PG_CDC_RESYNC_URL";
const ROWS = 2000;
const TABLES = ["t1", "t2"] as const;

type Feeds = Map<string, ExpectedFeed>;

describe("a re-sync and its PostgreSQL source's drain started together", { skip: skip ?? false }, () => {
  const { src } = postgresSource("cdcrsy", URL_ENV);
  const name = uniqueName("p");
  const warehouse = new pg.Pool({ connectionString: process.env.SMELTER_WAREHOUSE_URL, max: 2 });
  const next = random(23);
  let state: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;
  let yaml = "";

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
    state = await freshDatabase();
    svc = await startService(state.url, { registry: executors, parse: parsePipeline, lockWaitSeconds: 120 });
    const landing = await mkdtemp(join(tmpdir(), "smelter-land-"));
    yaml = `version: 1
name: ${name}
connections:
  src: { kind: postgres, url: { env: ${URL_ENV} }, max_connections: 2 }
  wh: { kind: postgres, url: { env: SMELTER_WAREHOUSE_URL } }
  land: { kind: local, path: ${landing} }
warehouse: wh
landing: land
airflow: { granularity: source }
tables:
${TABLES.map((t) => `  - { name: ${t}, table: app.${t}, primary_key: [id], mode: cdc, chunk_size: 250 }`).join("\n")}
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

  const target = (t: string): ChangeTarget => ({
    upsert: async (id, payload) =>
      (
        await src().query(
          `INSERT INTO app.${t} (id, payload, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, updated_at = now()`,
          [id, payload],
        )
      ).rowCount ?? 0,
    update: async (id, payload) =>
      (await src().query(`UPDATE app.${t} SET payload = $1, updated_at = now() WHERE id = $2`, [payload, id]))
        .rowCount ?? 0,
    remove: async (id) => (await src().query(`DELETE FROM app.${t} WHERE id = $1`, [id])).rowCount ?? 0,
  });

  /** `ops` random changes to both tables, in transactions of one to four that often span both; by table. */
  const changes = async (ops: number, tag: string): Promise<Feeds> => {
    const feeds: Feeds = new Map();
    let i = 0;
    while (i < ops) {
      await src().query("BEGIN");
      const size = 1 + Math.floor(next() * 4);
      for (let k = 0; k < size && i < ops; k++, i++) {
        const t = TABLES[Math.floor(next() * TABLES.length)] as string;
        const feed = feeds.get(t) ?? new Map();
        feeds.set(t, feed);
        await randomChange(target(t), next, `${tag}-${i}`, feed);
      }
      await src().query("COMMIT");
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

  /** Ids whose row differs between the source and bronze, by table (empty when all are equal). */
  const differences = async (): Promise<Record<string, number[]>> => {
    const out: Record<string, number[]> = {};
    const sql = (t: string) =>
      `SELECT id::int AS id, coalesce(payload, '∅') || '|' || extract(epoch FROM updated_at)::text AS v FROM ${t}`;
    for (const t of TABLES) {
      const source = (await src().query(sql(`app.${t}`))).rows as { id: number; v: string }[];
      const there = new Map(
        ((await warehouse.query(sql(`"${name}_bronze"."${t}"`))).rows as { id: number; v: string }[]).map(
          (r) => [r.id, r.v],
        ),
      );
      const bad = source.filter((r) => there.get(r.id) !== r.v).map((r) => r.id);
      for (const id of there.keys()) if (!source.some((r) => r.id === id)) bad.push(id);
      if (bad.length > 0) out[t] = bad.sort((a, b) => a - b).slice(0, 20);
    }
    return out;
  };
  const versions = async () =>
    new Map(
      await Promise.all(TABLES.map(async (t) => [t, await newestVersion(warehouse, spec(), t)] as const)),
    );
  /** Bronze equals the source, and each change feed after `since` holds exactly `feeds` (tables in it). */
  const converged = async (feeds: Feeds, since: Map<string, number>, what: string) => {
    assert.deepEqual(await differences(), {}, `${what}: bronze equals the source`);
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
   * `more`; it returns the ids, the one started first first), then changes and drains: bronze equals the source,
   * t2's change feed holds every change of the round once, in order, and t1's every change made after the pair.
   * Whether the later of the two waited for the lock the first held.
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
    await converged(
      new Map([["t1", later.get("t1") ?? new Map()]]),
      afterPair,
      `${tag}, t1 after its re-sync`,
    );
    await converged(new Map([["t2", all.get("t2") ?? new Map()]]), before, `${tag}, t2 through the round`);
    return serialised;
  };

  it("serialises a re-sync and the source task's drain started together; no change lost or landed twice", async () => {
    await drainAndBronze();
    assert.deepEqual(await differences(), {}, "the first run loads both tables");

    // The re-sync asked for first, the source task right after it.
    const a = await round("resync-first", async () => {
      const r = await resync("t1");
      return [r, await drain()];
    });
    assert.ok(a, "the later execution waited for the lock the first held");
    // The source task first, the re-sync right after it.
    const b = await round("drain-first", async () => {
      const d = await drain();
      return [d, await resync("t1")];
    });
    assert.ok(b, "the later execution waited for the lock the first held");
    // The re-sync, changes while its snapshot is read, then the source task, and changes while it waits.
    await round("changes-between", async (more) => {
      const r = await resync("t1");
      await more(30, "between-1");
      const d = await drain();
      await more(30, "between-2");
      return [r, d];
    });
  });
});
