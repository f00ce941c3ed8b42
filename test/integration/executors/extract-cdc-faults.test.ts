import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { listManifestIds, listManifests, openLandingZone } from "../../../src/landing/index.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import { standaloneState } from "../../../src/runtime/standalone.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  changingTable,
  context,
  insertSequence,
  killedExtract,
  MARIADB,
  MYSQL,
  mariadbSpec,
  missingStack,
  uniqueName,
} from "./extract-helpers.ts";
import { bothDifferences, bronzeAndSilver, warehousePool, withWarehouse } from "./pipeline-helpers.ts";

/*
 * Failures of change capture from the binary log of MariaDB and of MySQL: a process killed in the middle of a drain and between a
 * drain's manifest and its position, changes landed twice, a stored position the log no longer holds, a user
 * without replication grants, a TRUNCATE, and a stored position the server holds only by its GTID position (as
 * after a failover).
 */

const ROWS = 1_000;
const state = standaloneState(process.env, "smelter-test");

async function manifests(spec: PipelineSpec, table: string): Promise<BatchManifest[]> {
  const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
  const out: BatchManifest[] = [];
  for await (const m of listManifests(zone, spec.name, table)) out.push(m);
  return out;
}

async function objects(spec: PipelineSpec, table: string): Promise<string[]> {
  const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
  const out: string[] = [];
  for await (const f of zone.list(`${spec.name}/${table}/`)) out.push(f.key);
  return out;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

for (const server of [MARIADB, MYSQL]) {
  const skip = missingStack(server.urlEnv, "SMELTER_WAREHOUSE_URL");
  describe(
    `change capture from the ${server.label} binary log, when things fail`,
    { skip: skip ?? false },
    () => {
      const { table, db } = changingTable("cdcfault", ROWS, "DATETIME(6)", server);
      const base = server.binlogBase;
      let spec: PipelineSpec;
      const warehouse = warehousePool(() => [spec]);

      /**
       * `n` single-row changes in separate transactions: updates, deletes and inserts, some to the same keys. Returns
       * how many changed a row (a delete of a missing key writes nothing to the log).
       */
      const changes = async (n: number, tag: string): Promise<number> => {
        let changed = 0;
        for (let i = 0; i < n; i++) {
          const id = 1 + ((i * 7) % 40);
          const [result] =
            i % 5 === 4
              ? await db().query(`DELETE FROM ${table} WHERE id = ?`, [id])
              : await db().query(
                  `INSERT INTO ${table} VALUES (?, ?, NOW(6)) ON DUPLICATE KEY UPDATE payload = VALUES(payload)`,
                  [id, `${tag}-${i}`],
                );
          if ((result as { affectedRows: number }).affectedRows > 0) changed += 1;
        }
        return changed;
      };

      it("converges after kills mid-drain and between manifest and position, landing each change once", async () => {
        spec = withWarehouse(
          await mariadbSpec(table, { over: { mode: "cdc", cursor: [], chunkSize: 400 }, server }),
          table,
        );
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);
        const landed = (await manifests(spec, table)).length;

        const first = await changes(300, "a");
        await killedExtract(spec, { point: "extract:cdc-drain", skip: 120 });
        assert.equal(
          (await manifests(spec, table)).length,
          landed,
          "a drain killed midway writes no manifest",
        );

        await killedExtract(spec, { point: "extract:after-manifest", skip: 0 });
        const drained = await manifests(spec, table);
        assert.equal(drained.length, landed + 1, "the second try landed its manifest before it was killed");
        assert.equal(drained.at(-1)?.rows, first, "one landed row per change");

        // The next run adopts that manifest (its position was not stored) and drains only what came after it.
        const second = await changes(50, "b");
        const next = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        assert.equal(next.rowsLanded, second);
        await bronzeAndSilver(spec, table);
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
      });

      it("applies nothing again when the same changes land twice, a key inserted and deleted among them", async () => {
        const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
        // A key that comes and goes within the drain: bronze holds no row of it to compare orders with.
        await db().query(`INSERT INTO ${table} VALUES (900001, 'brief', NOW(6))`);
        await db().query(`DELETE FROM ${table} WHERE id = 900001`);
        await changes(20, "h");
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);
        const drains = (await manifests(spec, table)).filter((m) => m.changes);
        const from = drains.at(-2)?.changes?.from as unknown[];
        // Move the position back to the start of the two last drains: the next run lands their changes again.
        const newest = (await listManifestIds(zone, spec.name, table)).at(-1) as string;
        await state.watermarks.set(spec.name, table, newest, from);
        const again = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        const twice = (drains.at(-2)?.rows ?? 0) + (drains.at(-1)?.rows ?? 0);
        assert.equal(again.rowsLanded, twice, "the changes were landed a second time");
        const feed = async () =>
          (await warehouse.query(`SELECT count(*)::int AS n FROM "${spec.bronzeSchema}"."${table}__changes"`))
            .rows;
        const before = await feed();
        const applied = await bronze({ pipeline: spec.name, step: "bronze", table }, context(spec));
        assert.equal(applied.versionTo, null, "bronze committed no version");
        assert.deepEqual(await feed(), before, "not one change-feed row");
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
      });

      it("refuses a position the log no longer holds, writes nothing, and a re-sync recovers", async () => {
        const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
        const newest = (await listManifestIds(zone, spec.name, table)).at(-1) as string;
        await state.watermarks.set(spec.name, table, newest, [`${base}.000000`, 4]);
        await changes(20, "c");
        const files = await objects(spec, table);
        await assert.rejects(
          extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
          (error: Error & { type?: string; retryable?: boolean }) => {
            assert.equal(error.type, "LogPurged");
            assert.equal(error.retryable, false);
            assert.match(error.message, new RegExp(`no longer holds position ${literal(base)}\\.000000:4`));
            assert.match(error.message, /Re-sync the table/);
            return true;
          },
        );
        assert.deepEqual(await objects(spec, table), files, "nothing was written");

        const resync = await extract(
          { pipeline: spec.name, step: "extract", table, mode: { kind: "resync" } },
          context(spec),
        );
        assert.ok((resync.chunks ?? 0) >= 3);
        await changes(10, "d");
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
      });

      it("resumes a snapshot killed between chunks, after a reset of the log position", async () => {
        const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
        const newest = (await listManifestIds(zone, spec.name, table)).at(-1) as string;
        await state.watermarks.set(spec.name, table, newest, null);
        await changes(30, "e");
        await killedExtract(spec, { point: "extract:after-manifest", skip: 1 });
        const landed = await manifests(spec, table);
        assert.deepEqual(
          [landed.at(-1)?.chunk?.index, landed.at(-1)?.chunk?.last],
          [1, false],
          "killed after the second chunk's manifest",
        );
        await changes(30, "f");
        const resumed = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        assert.equal(resumed.chunks, 1, "only the last chunk is read again");
        await bronzeAndSilver(spec, table);
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
      });

      it("takes the changes after a snapshot when the log started over with lower positions", async () => {
        // As after a rebuilt server or a new primary: bronze's rows carry orders from the old log, above any the new
        // log gives.
        await warehouse.query(`UPDATE "${spec.bronzeSchema}"."${table}" SET _smelter_position = 9e37`);
        const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
        const newest = (await listManifestIds(zone, spec.name, table)).at(-1) as string;
        await state.watermarks.set(spec.name, table, newest, null);
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);
        await changes(40, "k");
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
      });

      it("names the grants a user without replication privileges lacks", async () => {
        const user = uniqueName("cdcuser").slice(0, 32);
        await db().query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
        try {
          await db().query(`GRANT SELECT ON *.* TO '${user}'@'127.0.0.1'`);
          const url = new URL(process.env[server.urlEnv] as string);
          url.username = user;
          url.password = "pw";
          const ctx = context(spec);
          ctx.env = { ...ctx.env, TEST_CDC_URL: url.toString() };
          const limited = {
            ...spec,
            connections: {
              ...spec.connections,
              src: { ...spec.connections.src, url: { env: "TEST_CDC_URL" } },
            },
          } as PipelineSpec;
          await assert.rejects(
            extract(
              { pipeline: limited.name, step: "extract", table },
              { ...ctx, pipeline: { ...ctx.pipeline, spec: limited } },
            ),
            (error: Error & { type?: string }) => {
              assert.equal(error.type, "ConfigError");
              assert.match(error.message, /GRANT REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\*/);
              return true;
            },
          );
        } finally {
          await db().query(`DROP USER '${user}'@'127.0.0.1'`);
        }
      });

      if (server === MYSQL)
        it("names the server settings change capture needs", async () => {
          // MySQL's compressed transactions and partial JSON updates are events the binlog reader cannot decode.
          await db().query(
            "SET GLOBAL binlog_transaction_compression = ON, binlog_row_value_options = 'PARTIAL_JSON'",
          );
          try {
            await assert.rejects(
              extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
              (error: Error & { type?: string; retryable?: boolean }) => {
                assert.equal(error.type, "ConfigError");
                assert.equal(error.retryable, false);
                assert.match(error.message, /set binlog_transaction_compression=OFF/);
                assert.match(
                  error.message,
                  /binlog_row_value_options is PARTIAL_JSON: set binlog_row_value_options=''/,
                );
                return true;
              },
            );
          } finally {
            await db().query(
              "SET GLOBAL binlog_transaction_compression = OFF, binlog_row_value_options = ''",
            );
          }
        });

      it("stops at a TRUNCATE with a DataError asking for a re-sync, writes nothing, and a re-sync recovers", async () => {
        const stored = await state.watermarks.read(spec.name, table);
        const landed = await manifests(spec, table);
        const files = await objects(spec, table);
        // Changes before and after the TRUNCATE, in the same drain: none of them may land.
        await changes(10, "t");
        await db().query(`TRUNCATE TABLE ${table}`);
        await insertSequence(db(), table, 25, "n, CONCAT('after ', n), NOW(6)");
        await assert.rejects(
          extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
          (error: Error & { type?: string; retryable?: boolean }) => {
            assert.equal(error.type, "DataError");
            assert.equal(error.retryable, false);
            assert.match(error.message, new RegExp(`table ${table}: the table was truncated \\(binlog `));
            assert.match(error.message, /Re-sync the table \(smelter resync <spec> --table <name>\)/);
            assert.match(error.message, /nothing was written/);
            return true;
          },
        );
        assert.deepEqual(await manifests(spec, table), landed, "no manifest");
        assert.deepEqual(await objects(spec, table), files, "no landing object");
        assert.deepEqual(await state.watermarks.read(spec.name, table), stored, "the position did not move");

        await extract(
          { pipeline: spec.name, step: "extract", table, mode: { kind: "resync" } },
          context(spec),
        );
        await changes(10, "u");
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
        const [rows] = await db().query(`SELECT count(*) AS n FROM ${table}`);
        const { rows: bronzeRows } = await warehouse.query(
          `SELECT count(*)::int AS n FROM "${spec.bronzeSchema}"."${table}"`,
        );
        assert.equal(
          bronzeRows[0]?.n,
          Number((rows as { n: number }[])[0]?.n),
          "bronze holds no row the TRUNCATE removed",
        );
      });

      it("resumes by GTID position when the server holds the stored point under other names, landing each change once", async () => {
        const zone = openLandingZone(resolveLanding(spec, "landing", process.env));
        const feedRows = async () =>
          (
            await warehouse.query(
              `SELECT count(*)::int AS n FROM "${spec.bronzeSchema}"."${table}__changes" WHERE _change_type <> 'update_preimage'`,
            )
          ).rows[0]?.n as number;
        await changes(20, "g");
        await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
        await bronzeAndSilver(spec, table);

        /** Changes after the stored point, the position replaced by `as`, one run: exactly those changes land. */
        const resume = async (as: (stored: unknown[]) => unknown[], tag: string) => {
          const stored = (await state.watermarks.read(spec.name, table))?.watermark as unknown[];
          assert.match(String(stored[2]), server.gtid, "the position records its GTID position");
          const made = await changes(25, tag);
          const newest = (await listManifestIds(zone, spec.name, table)).at(-1) as string;
          await state.watermarks.set(spec.name, table, newest, as(stored));
          const before = await feedRows();
          const ctx = context(spec);
          const run = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
          assert.match(ctx.lines.join("\n"), /found by GTID position/);
          assert.equal(run.rowsLanded, made, "each change after the point landed once");
          assert.equal(
            ((await manifests(spec, table)).at(-1)?.changes?.from as unknown[]).slice(0, 2).join(":"),
            stored.slice(0, 2).join(":"),
            "read from the point the server names",
          );
          await bronzeAndSilver(spec, table);
          assert.equal((await feedRows()) - before, made, "one change-feed version per change");
          assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
        };
        // A failover to a server whose binlog files are named otherwise.
        await resume((p) => ["failed-primary-bin.000001", 4, p[2]], "g1");
        // A server that names its files alike: the stored file and offset exist there, as another point.
        const earlier = (await manifests(spec, table)).filter((m) => m.changes).at(-2)?.changes
          ?.from as unknown[];
        await resume((p) => [earlier[0], earlier[1], p[2]], "g2");

        // A failover to a server whose files are numbered below the old primary's: bronze's rows and the highest
        // change it applied came from the old primary's file 999999 (raised here from the server's file), and the stored
        // point is in that file. Found by GTID position in the server's file, it is read with a shift that orders its
        // changes above them: one file above 999999.
        const at = (await state.watermarks.read(spec.name, table))?.watermark as unknown[];
        const seq = Number(/\.(\d+)$/.exec(String(at[0]))?.[1]);
        const raise = (BigInt(999_999 - seq) * 10n ** 18n).toString();
        const shift = 999_999 - seq + 1;
        await warehouse.query(
          `UPDATE "${spec.bronzeSchema}"."${table}" SET _smelter_position = _smelter_position + $1::numeric`,
          [raise],
        );
        await warehouse.query(
          "UPDATE _smelter.change_orders SET max_order = max_order + $1::numeric WHERE pipeline = $2 AND table_name = $3",
          [raise, spec.name, table],
        );
        await resume((p) => [`${base}.999999`, p[1], p[2]], "g3");
        const shifted = (await state.watermarks.read(spec.name, table))?.watermark as unknown[];
        assert.equal(
          shifted[3],
          shift,
          "the head is stored with the shift: one file above the old primary's",
        );
        assert.equal(((await manifests(spec, table)).at(-1)?.changes?.from as unknown[])[3], shift);
        // The drains after it go on with the shift.
        const made = await changes(15, "g4");
        const before = await feedRows();
        assert.equal(
          (await extract({ pipeline: spec.name, step: "extract", table }, context(spec))).rowsLanded,
          made,
        );
        await bronzeAndSilver(spec, table);
        assert.equal((await feedRows()) - before, made, "one change-feed version per change");
        assert.deepEqual(await bothDifferences(db(), warehouse, spec, table), { bronze: [], silver: [] });
        const stored = (await state.watermarks.read(spec.name, table))?.watermark as unknown[];
        assert.equal(stored[3], shift);
        const newest = (await listManifestIds(zone, spec.name, table)).at(-1) as string;
        const files = await objects(spec, table);
        // A GTID position the server never wrote.
        await state.watermarks.set(spec.name, table, newest, [`${base}.000000`, 4, server.unwrittenGtid]);
        await assert.rejects(
          extract({ pipeline: spec.name, step: "extract", table }, context(spec)),
          (error: Error & { type?: string }) => {
            assert.equal(error.type, "LogPurged");
            assert.match(
              error.message,
              new RegExp(
                `no longer holds position ${literal(base)}\\.000000:4 \\(GTID position ${literal(server.unwrittenGtid)}\\)`,
              ),
            );
            return true;
          },
        );
        assert.deepEqual(await objects(spec, table), files, "nothing was written");
        await state.watermarks.set(spec.name, table, newest, stored);
      });
    },
  );
}
