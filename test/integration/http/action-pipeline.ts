import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type mysql from "mysql2/promise";
import pg from "pg";
import { executors } from "../../../src/executors/index.ts";
import { parsePipeline } from "../../../src/registry.ts";
import type { LoadedPipeline } from "../../../src/spec/types.ts";
import { mariadbTable, uniqueName } from "../executors/extract-helpers.ts";
import { bothDifferences, changesAfter, flatModel } from "../executors/pipeline-helpers.ts";
import { freshDatabase, startService, type TestService } from "./harness.ts";

/*
 * A real pipeline for the recovery actions: a MariaDB table (id, payload, updated_at) carried through bronze and
 * silver on the stack's PostgreSQL warehouse, registered as YAML with an in-process service running the real
 * executors on a fresh state database. Used by the API, command line and web page tests of the actions.
 */

export const ROWS = 5_000;

/**
 * The pipeline's YAML: the table in chunks of 1000 rows, a silver model, a local landing zone; `extra` is more
 * top-level YAML (a `freshness:` line, say).
 */
export function actionSpecYaml(name: string, table: string, landingDir: string, extra = ""): string {
  return `version: 1
name: ${name}
connections:
  src: { kind: mariadb, url: { env: SMELTER_MARIADB_URL }, max_connections: 2 }
  wh: { kind: postgres, url: { env: SMELTER_WAREHOUSE_URL } }
  land: { kind: local, path: ${landingDir} }
warehouse: wh
landing: land
${extra}tables:
  - name: ${table}
    primary_key: [id]
    cursor: [updated_at]
    chunk_size: 1000
silver:
  - name: ${flatModel(table)}
    from: ${table}
    columns: [id, payload, updated_at]
`;
}

export interface ActionPipeline {
  name: string;
  table: string;
  db: () => mysql.Connection;
  warehouse: pg.Pool;
  /** The fresh state database's pool and URL (set once the suite started). */
  state: () => { pool: pg.Pool; url: string };
  svc: () => TestService;
  yaml: () => string;
  pipeline: () => LoadedPipeline;
  /** Rows differing between the source and bronze, and the source and silver. */
  differences: () => Promise<{ bronze: number[]; silver: number[] }>;
  /** The change feed after a version, and its newest version. */
  changesAfter: (version: number) => Promise<{ changes: string[]; version: number }>;
}

/**
 * Registers the suite's hooks: the source table, a fresh state database, the service (tokens `ops` with every
 * scope, `reader` with read, `runner` with read and execute) and the pipeline registered in it.
 */
export function actionPipeline(prefix: string, options: { specExtra?: string } = {}): ActionPipeline {
  const name = uniqueName(prefix);
  const { table, db } = mariadbTable(`${prefix}_t`, async (db, table) => {
    await db.query(
      `CREATE TABLE ${table} (id INT PRIMARY KEY, payload VARCHAR(100), updated_at DATETIME(6) NOT NULL, KEY (updated_at))`,
    );
    await db.query(
      `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
    );
  });
  const warehouse = new pg.Pool({ connectionString: process.env.SMELTER_WAREHOUSE_URL, max: 2 });
  let state: Awaited<ReturnType<typeof freshDatabase>>;
  let svc: TestService;
  let statePool: pg.Pool;
  let yaml = "";
  before(async () => {
    state = await freshDatabase();
    svc = await startService(state.url, {
      registry: executors,
      parse: parsePipeline,
      tokens: "ops:ops-token,reader:read-token:read,runner:run-token:read+execute",
      lockWaitSeconds: 60,
    });
    statePool = new pg.Pool({ connectionString: state.url, max: 2 });
    yaml = actionSpecYaml(name, table, await mkdtemp(join(tmpdir(), "smelter-land-")), options.specExtra);
    const res = await fetch(`${svc.url}/api/v1/pipelines/${name}`, {
      method: "PUT",
      headers: { authorization: "Bearer ops-token", "content-type": "application/yaml" },
      body: yaml,
    });
    if (res.status !== 201) throw new Error(`registering ${name}: ${res.status} ${await res.text()}`);
  });
  after(async () => {
    await svc?.close();
    await statePool?.end();
    await state?.drop();
    await warehouse.query(`DROP SCHEMA IF EXISTS "${name}_bronze" CASCADE`);
    await warehouse.query(`DROP SCHEMA IF EXISTS "${name}_silver" CASCADE`);
    await warehouse.end();
  });
  const pipeline = () => parsePipeline(yaml, `${name}.yaml`);
  return {
    name,
    table,
    db,
    warehouse,
    state: () => ({ pool: statePool, url: state.url }),
    svc: () => svc,
    yaml: () => yaml,
    pipeline,
    differences: () => bothDifferences(db(), warehouse, pipeline().spec, table),
    changesAfter: (version) => changesAfter(warehouse, pipeline().spec, table, version),
  };
}
