import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type mysql from "mysql2/promise";
import { CancelledError } from "../../../src/errors.ts";
import { extract } from "../../../src/executors/extract.ts";
import { listManifestIds, openLandingZone } from "../../../src/landing/index.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import {
  context,
  mariadbConnection,
  migrateState,
  missingStack,
  pipelineSpec,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";

const skip = missingStack("SMELTER_MARIADB_URL");
const ROWS = 100_000;

describe("a cancelled extraction", { skip: skip ?? false }, () => {
  let db: mysql.Connection;
  const table = uniqueName("cancel");

  before(async () => {
    await migrateState();
    db = await mariadbConnection();
    await db.query(
      `CREATE TABLE ${table} (id INT PRIMARY KEY, payload VARCHAR(100), updated_at DATETIME NOT NULL)`,
    );
    await db.query(
      `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
    );
  });
  after(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });

  it("stops mid-read with a CancelledError, writes no manifest, and the next run lands everything", async () => {
    const spec = await pipelineSpec(uniqueName("p"), [tableSpec({ name: table, fileRows: 5000 })], {
      source: "mariadb",
      urlEnv: "SMELTER_MARIADB_URL",
      landing: "local",
    });
    const controller = new AbortController();
    const ctx = context(spec, controller.signal);
    const log = ctx.log.info;
    ctx.log.info = (m) => {
      log(m);
      if (m.includes("landed part 1 ")) controller.abort();
    };
    await assert.rejects(extract({ pipeline: spec.name, step: "extract", table }, ctx), CancelledError);
    const zone = openLandingZone(resolveLanding(spec, "landing", ctx.env));
    assert.deepEqual(await listManifestIds(zone, spec.name, table), []);

    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    assert.equal(metrics.rowsLanded, ROWS);
  });
});
