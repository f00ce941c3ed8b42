import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import pg from "pg";
import { extract } from "../../../src/executors/extract/index.ts";
import { runTask } from "../../../src/executors/index.ts";
import { standaloneState } from "../../../src/runtime/standalone.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  type ExpectedFeed,
  feedByKey,
  newestVersion,
  postgresTarget,
  random,
  randomChange,
} from "./cdc-helpers.ts";
import {
  context,
  killedExtract,
  manifests,
  missingStack,
  pipelineSpec,
  postgresSource,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";
import { bronzeAndSilver, flatModel, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * The cdc tables of one PostgreSQL source extracted by one source task (`airflow.granularity: source`) read one
 * replication slot and publication for them all, each table from its own stored position, into the stack's
 * PostgreSQL warehouse: randomized changes (transactions spanning the tables), kills in the drain, after a
 * manifest and before the slot is told, a table re-synced while the others drain, a table added and one removed,
 * a TRUNCATE of one table, and the slot dropped.
 */

const skip = missingStack("SMELTER_PG_URL", "SMELTER_WAREHOUSE_URL");
const URL_ENV = "TEST_PG_CDC_SHARED_URL";
const ROWS = 600;
const TABLES = ["t1", "t2", "t3"] as const;
const state = standaloneState(process.env, "smelter-test");

type Feeds = Map<string, ExpectedFeed>;

describe("cdc tables of one PostgreSQL source in one task", { skip: skip ?? false }, () => {
  const { database, admin, src } = postgresSource("cdcshr", URL_ENV);
  let full: PipelineSpec;
  let spec: PipelineSpec;
  const warehouse = warehousePool(() => [spec]);
  const next = random(17);

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
    const base = await pipelineSpec(
      uniqueName("p"),
      TABLES.map((t) => tableSpec({ name: t, table: `app.${t}`, mode: "cdc", cursor: [], chunkSize: 250 })),
      { source: "postgres", urlEnv: URL_ENV, landing: "local" },
    );
    const wh = withWarehouse(base, "t1");
    const model = wh.silver[0];
    assert.ok(model);
    full = {
      ...wh,
      airflow: { ...wh.airflow, granularity: "source" },
      silver: TABLES.map((t) => ({ ...model, name: flatModel(t), from: t })),
    };
  });

  /** The pipeline with these of its cdc tables. */
  const specOf = (tables: string[]): PipelineSpec => ({
    ...full,
    tables: full.tables.filter((t) => tables.includes(t.name)),
    silver: full.silver.filter((m) => tables.includes(m.from)),
  });
  const slotName = () => `smelter_src_${full.name}__src`;
  const tablesOf = () => spec.tables.map((t) => t.name);

  const target = (t: string) => postgresTarget(src, `app.${t}`);

  /**
   * `ops` random changes to `tables`, in transactions of one to four changes that often span several tables;
   * adds them to `feeds` (by table, by key, in order) and returns how many each table got.
   */
  const changes = async (
    tables: string[],
    ops: number,
    tag: string,
    feeds: Feeds,
  ): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    let i = 0;
    while (i < ops) {
      await src().query("BEGIN");
      const size = 1 + Math.floor(next() * 4);
      for (let k = 0; k < size && i < ops; k++, i++) {
        const t = tables[Math.floor(next() * tables.length)] as string;
        const feed = feeds.get(t) ?? new Map();
        feeds.set(t, feed);
        const before = [...feed.values()].reduce((n, l) => n + l.length, 0);
        await randomChange(target(t), next, `${tag}-${i}`, feed);
        const after = [...feed.values()].reduce((n, l) => n + l.length, 0);
        counts.set(t, (counts.get(t) ?? 0) + after - before);
      }
      await src().query("COMMIT");
    }
    return counts;
  };

  /** The newest change-feed version of each table of the spec. */
  const versions = async (): Promise<Map<string, number>> =>
    new Map(
      await Promise.all(tablesOf().map(async (t) => [t, await newestVersion(warehouse, spec, t)] as const)),
    );

  /** One source task, then bronze and silver of each table. */
  const extractSource = async () => {
    const ctx = context(spec);
    const metrics = await runTask({ pipeline: spec.name, step: "extract", source: "src" }, ctx);
    for (const t of tablesOf()) await bronzeAndSilver(spec, t);
    return { metrics, lines: ctx.lines };
  };

  /** Ids whose row differs between the source and bronze or silver, by table (empty when all are equal). */
  const differences = async (): Promise<Record<string, number[]>> => {
    const out: Record<string, number[]> = {};
    const sql = (t: string) =>
      `SELECT id::int AS id, coalesce(payload, '∅') || '|' || extract(epoch FROM updated_at)::text AS v FROM ${t}`;
    for (const t of tablesOf()) {
      const source = (await src().query(sql(`app.${t}`))).rows as { id: number; v: string }[];
      for (const qualified of [`"${spec.bronzeSchema}"."${t}"`, `"${spec.silverSchema}"."${flatModel(t)}"`]) {
        const there = new Map(
          ((await warehouse.query(sql(qualified))).rows as { id: number; v: string }[]).map((r) => [
            r.id,
            r.v,
          ]),
        );
        const diff: number[] = [];
        for (const r of source) {
          if (there.get(r.id) !== r.v) diff.push(r.id);
          there.delete(r.id);
        }
        diff.push(...there.keys());
        if (diff.length > 0) out[qualified] = diff.sort((a, b) => a - b);
      }
    }
    return out;
  };

  /** Bronze and silver equal the source, and each table's change feed after `since` holds exactly `feeds`. */
  const converged = async (feeds: Feeds, since: Map<string, number>) => {
    assert.deepEqual(await differences(), {}, "bronze and silver equal the source");
    for (const [t, expected] of feeds) {
      const feed = await feedByKey(warehouse, spec, t, since.get(t) ?? 0);
      assert.deepEqual(
        [...feed.entries()].sort((a, b) => a[0] - b[0]),
        [...expected.entries()].sort((a, b) => a[0] - b[0]),
        `${t}: the change feed holds each change once, in order`,
      );
    }
  };

  const slots = async () =>
    (
      await admin().query<{ name: string; confirmed: string }>(
        "SELECT slot_name AS name, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE database = $1 ORDER BY 1",
        [database],
      )
    ).rows;
  const confirmed = async () => (await slots()).find((s) => s.name === slotName())?.confirmed;
  /** Waits until a walsender holds the source's slot. */
  const eventuallyActive = async () => {
    for (let i = 0; i < 100; i++) {
      const { rows } = await admin().query("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [
        slotName(),
      ]);
      if (rows[0]?.active) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`slot ${slotName()} never became active`);
  };
  const published = async () =>
    (
      await src().query<{ t: string }>(
        "SELECT tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
        [slotName()],
      )
    ).rows.map((r) => r.t);
  const positions = async (tables = tablesOf()) =>
    Object.fromEntries(
      await Promise.all(
        tables.map(async (t) => [t, (await state.watermarks.read(spec.name, t))?.watermark] as const),
      ),
    );
  const manifestCounts = async (tables = tablesOf()) =>
    Object.fromEntries(
      await Promise.all(tables.map(async (t) => [t, (await manifests(spec, t)).length] as const)),
    );
  const lsn = (text: unknown) => {
    const [hi, lo] = String(text).split("/");
    return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
  };
  const resync = (table: string) =>
    extract({ pipeline: spec.name, step: "extract", table, mode: { kind: "resync" } }, context(spec));

  it("reads one slot for the cdc tables of the source task, each table landing its own changes once", async () => {
    spec = specOf(["t1", "t2"]);
    const first = await extractSource();
    assert.ok((first.metrics.tables?.t1?.chunks ?? 0) >= 3 && (first.metrics.tables?.t2?.chunks ?? 0) >= 3);
    assert.deepEqual(await differences(), {});
    assert.deepEqual(
      (await slots()).map((s) => s.name),
      [slotName()],
      "one slot for the source, none per table",
    );
    assert.deepEqual(await published(), ["t1", "t2"]);

    for (let round = 1; round <= 3; round++) {
      const since = await versions();
      const feeds: Feeds = new Map();
      const counts = await changes(["t1", "t2"], 150, `r${round}`, feeds);
      const run = await extractSource();
      for (const t of ["t1", "t2"])
        assert.equal(
          run.metrics.tables?.[t]?.rowsLanded,
          counts.get(t) ?? 0,
          `round ${round}: ${t} landed its changes`,
        );
      assert.equal(
        run.lines.filter((l) => l.includes("one read of the log for 2 tables")).length,
        2,
        run.lines.join("\n"),
      );
      await converged(feeds, since);
    }
    const stored = await positions();
    assert.equal(stored.t1?.[0], stored.t2?.[0]);
    assert.equal(await confirmed(), stored.t1?.[0], "the slot confirmed exactly the stored position");
  });

  it("converges after kills in the drain, after a manifest and before the slot is told, landing each change once", async () => {
    const since = await versions();
    const feeds: Feeds = new Map();
    await changes(["t1", "t2"], 160, "k1", feeds);
    const [stored, landed, slot] = [await positions(), await manifestCounts(), await confirmed()];

    await killedExtract(spec, { point: "extract:cdc-drain", skip: 20 }, "src");
    assert.deepEqual(await manifestCounts(), landed, "a drain killed midway writes no manifest");
    assert.deepEqual(await positions(), stored);
    assert.equal(await confirmed(), slot, "nor moves the slot");

    await killedExtract(spec, { point: "extract:after-manifest", skip: 0 }, "src");
    assert.deepEqual(
      await manifestCounts(),
      { t1: (landed.t1 ?? 0) + 1, t2: landed.t2 },
      "t1's manifest only",
    );
    assert.deepEqual(await positions(), stored);
    assert.equal(await confirmed(), slot);

    await changes(["t1", "t2"], 60, "k2", feeds);
    // t1 adopts its manifest and drains from there, t2 from its stored position; both positions are stored.
    await killedExtract(spec, { point: "extract:before-confirm", skip: 0 }, "src");
    const moved = await positions();
    assert.notDeepEqual(moved.t1, stored.t1);
    assert.deepEqual(moved.t1, moved.t2);
    assert.equal(await confirmed(), slot, "the slot is told only after every position is stored");

    await changes(["t1", "t2"], 60, "k3", feeds);
    await extractSource();
    await converged(feeds, since);
    assert.equal(await confirmed(), (await positions()).t1?.[0]);
  });

  it("re-syncs one table while the others keep their position in the slot", async () => {
    const since = await versions();
    const early: Feeds = new Map();
    const before = await changes(["t1", "t2"], 60, "s1", early);
    const t1At = (await positions()).t1;
    await resync("t2");
    await bronzeAndSilver(spec, "t2");
    assert.equal(await confirmed(), t1At?.[0], "the re-sync confirmed nothing past t1's position");
    since.set("t2", await newestVersion(warehouse, spec, "t2"));
    const feeds: Feeds = new Map();
    const after = await changes(["t1", "t2"], 80, "s2", feeds);
    const run = await extractSource();
    assert.equal(run.metrics.tables?.t1?.rowsLanded, (before.get("t1") ?? 0) + (after.get("t1") ?? 0));
    assert.equal(run.metrics.tables?.t2?.rowsLanded, after.get("t2") ?? 0);
    // t1's feed holds its changes from before the re-sync of t2 and after it.
    const t1 = new Map(early.get("t1"));
    for (const [id, list] of feeds.get("t1") ?? []) t1.set(id, [...(t1.get(id) ?? []), ...list]);
    feeds.set("t1", t1);
    await converged(feeds, since);
  });

  it("adds a table to the source task: its snapshot joins the slot, its publication grows", async () => {
    // Changes of t3 while it is out of the publication, in transactions with t1's.
    await changes(["t1", "t3"], 40, "a0", new Map());
    spec = specOf(["t1", "t2", "t3"]);
    const first = await extractSource();
    assert.ok((first.metrics.tables?.t3?.chunks ?? 0) >= 3, "t3 took its snapshot");
    assert.equal(
      first.lines.filter((l) => l.includes("one read of the log for 3 tables")).length,
      3,
      first.lines.join("\n"),
    );
    assert.deepEqual(await published(), ["t1", "t2", "t3"]);
    assert.deepEqual(await differences(), {});
    const since = await versions();
    const feeds: Feeds = new Map();
    const counts = await changes(["t1", "t2", "t3"], 150, "a1", feeds);
    const run = await extractSource();
    for (const t of TABLES) assert.equal(run.metrics.tables?.[t]?.rowsLanded, counts.get(t) ?? 0, t);
    await converged(feeds, since);
    assert.deepEqual(
      (await slots()).map((s) => s.name),
      [slotName()],
    );
  });

  it("drops a removed table from the publication, and refuses it back until it is re-synced", async () => {
    spec = specOf(["t1", "t3"]);
    const since = await versions();
    const feeds: Feeds = new Map();
    await changes(["t1", "t2", "t3"], 80, "d1", feeds);
    await extractSource();
    assert.deepEqual(await published(), ["t1", "t3"]);
    feeds.delete("t2");
    await converged(feeds, since);
    await changes(["t1", "t3"], 20, "d2", new Map());
    await extractSource();
    const t2At = (await state.watermarks.read(spec.name, "t2"))?.watermark;
    assert.ok(lsn(await confirmed()) > lsn(t2At?.[0]), "the slot moved on without t2");

    spec = specOf(["t1", "t2", "t3"]);
    await assert.rejects(extractSource(), (error: Error & { type?: string; retryable?: boolean }) => {
      assert.equal(error.type, "LogPurged");
      assert.equal(error.retryable, false);
      assert.match(error.message, /table app\.t2 \(position [0-9A-F/]+\)/);
      assert.match(error.message, /Re-sync the table/);
      return true;
    });
    await resync("t2");
    await bronzeAndSilver(spec, "t2");
    await changes(["t1", "t2", "t3"], 60, "d3", new Map());
    await extractSource();
    assert.deepEqual(await published(), ["t1", "t2", "t3"]);
    assert.deepEqual(await differences(), {});
  });

  it("waits for a slot another process reads, then fails with a retryable TransientError; the next drain lands each change once", async () => {
    const since = await versions();
    const feeds: Feeds = new Map();
    await changes(tablesOf(), 40, "h1", feeds);
    const [stored, landed, slot] = [await positions(), await manifestCounts(), await confirmed()];
    // Another reader of the slot, as a second drain would be: a walsender streaming from it.
    const url = new URL(process.env[URL_ENV] as string);
    url.searchParams.set("replication", "database");
    const reader = new pg.Client({ connectionString: url.href });
    reader.on("error", () => undefined);
    await reader.connect();
    const streaming = reader
      .query(
        `START_REPLICATION SLOT ${slotName()} LOGICAL 0/0 (proto_version '1', publication_names '${slotName()}')`,
      )
      .catch(() => undefined);
    try {
      await eventuallyActive();
      const started = Date.now();
      await assert.rejects(extractSource(), (error: Error & { type?: string; retryable?: boolean }) => {
        assert.equal(error.type, "TransientError", error.message);
        assert.equal(error.retryable, true);
        assert.match(
          error.message,
          /replication slot smelter_src_\w+ is being read by another process \(pid \d+\)/,
        );
        return true;
      });
      assert.ok(Date.now() - started >= 9_000, "the drain waited for the slot before giving up");
      assert.deepEqual(await positions(), stored, "no table moved its position");
      assert.deepEqual(await manifestCounts(), landed, "no table landed a batch");
      assert.equal(await confirmed(), slot, "the slot confirmed nothing more");
    } finally {
      await admin().query(
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active",
        [slotName()],
      );
      await streaming;
      await reader.end().catch(() => undefined);
    }
    await changes(tablesOf(), 40, "h2", feeds);
    await extractSource();
    await converged(feeds, since);
  });

  it("fails with a retryable TransientError when the slot is taken after the positions are stored; the next drain confirms them and lands each change once", async () => {
    const since = await versions();
    const feeds: Feeds = new Map();
    await changes(tablesOf(), 40, "c1", feeds);
    const [landed, slot] = [await manifestCounts(), await confirmed()];
    const url = new URL(process.env[URL_ENV] as string);
    url.searchParams.set("replication", "database");
    const readers: pg.Client[] = [];
    const streams: Promise<unknown>[] = [];
    /** Another process streams from the slot once the drain's own walsender has let it go. */
    const takeSlot = async () => {
      for (let i = 0; i < 100; i++) {
        const reader = new pg.Client({ connectionString: url.href });
        reader.on("error", () => undefined);
        await reader.connect();
        readers.push(reader);
        streams.push(
          reader
            .query(
              `START_REPLICATION SLOT ${slotName()} LOGICAL 0/0 (proto_version '1', publication_names '${slotName()}')`,
            )
            .catch(() => undefined),
        );
        await new Promise((r) => setTimeout(r, 200));
        const { rows } = await admin().query(
          "SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1",
          [slotName()],
        );
        if (rows[0]?.pid === (reader as unknown as { processID: number }).processID) return;
      }
      assert.fail(`slot ${slotName()} was never taken`);
    };
    // The last table's position stored is the moment before the slot is told: another reader takes it then.
    let saved = 0;
    const watermarks = new Proxy(state.watermarks, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop !== "save") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: Parameters<typeof target.save>) => {
          await target.save(...args);
          if (++saved === tablesOf().length) await takeSlot();
        };
      },
    });
    try {
      const started = Date.now();
      await assert.rejects(
        runTask({ pipeline: spec.name, step: "extract", source: "src" }, { ...context(spec), watermarks }),
        (error: Error & { type?: string; retryable?: boolean }) => {
          assert.equal(error.type, "TransientError", error.message);
          assert.equal(error.retryable, true);
          assert.match(
            error.message,
            /replication slot smelter_src_\w+ is being read by another process, so it could not confirm [0-9A-F/]+; the position is stored/,
          );
          return true;
        },
      );
      assert.ok(Date.now() - started >= 5_000, "the drain waited for the slot before giving up");
      assert.equal(saved, tablesOf().length, "every table stored its position");
      for (const t of tablesOf())
        assert.equal((await manifestCounts())[t], (landed[t] ?? 0) + 1, `${t} landed its batch`);
      assert.equal(await confirmed(), slot, "the slot confirmed nothing more");
    } finally {
      await admin().query(
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active",
        [slotName()],
      );
      await Promise.all(streams);
      await Promise.all(readers.map((r) => r.end().catch(() => undefined)));
    }
    const stored = await positions();
    // The next drain confirms the stored positions first, then lands only what came after them.
    const counts = await changes(tablesOf(), 40, "c2", feeds);
    const run = await extractSource();
    for (const t of tablesOf()) assert.equal(run.metrics.tables?.[t]?.rowsLanded, counts.get(t) ?? 0, t);
    assert.ok(
      lsn(await confirmed()) > lsn(stored.t1?.[0]),
      "the slot moved past the positions stored before",
    );
    await converged(feeds, since);
  });

  it("stops the one read at a TRUNCATE of one table, lands none, and a re-sync of that table recovers", async () => {
    const [stored, landed, slot] = [await positions(), await manifestCounts(), await confirmed()];
    const before = await changes(["t1", "t3"], 40, "x1", new Map());
    await src().query("TRUNCATE app.t2");
    await src().query(
      "INSERT INTO app.t2 (id, payload, updated_at) SELECT g, 'after ' || g, now() FROM generate_series(1, 30) g",
    );
    await assert.rejects(extractSource(), (error: Error & { type?: string; retryable?: boolean }) => {
      assert.equal(error.type, "DataError");
      assert.equal(error.retryable, false);
      assert.match(error.message, /table app\.t2: the table was truncated/);
      assert.match(error.message, /Re-sync the table/);
      return true;
    });
    assert.deepEqual(await positions(), stored, "no table moved its position");
    assert.deepEqual(await manifestCounts(), landed, "no table landed a batch");
    assert.equal(await confirmed(), slot);

    await resync("t2");
    assert.equal(await confirmed(), slot, "the re-sync confirmed nothing past the others' positions");
    const after = await changes(["t1", "t2", "t3"], 40, "x2", new Map());
    const run = await extractSource();
    for (const t of ["t1", "t3"])
      assert.equal(run.metrics.tables?.[t]?.rowsLanded, (before.get(t) ?? 0) + (after.get(t) ?? 0), t);
    assert.deepEqual(await differences(), {});
  });

  it("refuses to go on for every table once the slot is gone, and re-syncs bring them back", async () => {
    await admin().query("SELECT pg_drop_replication_slot($1)", [slotName()]);
    await changes(["t1", "t2", "t3"], 30, "g1", new Map());
    const [stored, landed] = [await positions(), await manifestCounts()];
    await assert.rejects(extractSource(), (error: Error & { type?: string; retryable?: boolean }) => {
      assert.equal(error.type, "LogPurged");
      assert.equal(error.retryable, false);
      assert.match(
        error.message,
        /tables app\.t1, app\.t2, app\.t3: replication slot smelter_src_\w+ does not exist/,
      );
      assert.match(error.message, /Re-sync each of these tables/);
      return true;
    });
    assert.deepEqual(await positions(), stored);
    assert.deepEqual(await manifestCounts(), landed);
    for (const t of TABLES) await resync(t);
    await changes(["t1", "t2", "t3"], 60, "g2", new Map());
    await extractSource();
    assert.deepEqual(await differences(), {});
    assert.equal(await confirmed(), (await positions()).t1?.[0]);
  });
});
