import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import mysql from "mysql2/promise";
import pg from "pg";
import { AirflowClient, type AirflowTaskInstance } from "../../../src/airflow/client.ts";
import { LocalDagFolder, Publisher } from "../../../src/airflow/publisher.ts";
import { type FollowedRun, followRun } from "../../../src/demo/follow.ts";
import { seedDemo } from "../../../src/demo/seed.ts";

/*
 * What the end-to-end tests share: the stack's addresses, a fresh MariaDB database and pipeline name per test
 * file, the smelter service's pipeline and execution endpoints, Airflow's REST API, runs followed to their end,
 * and row-by-row comparison of source and warehouse tables. Nothing here mocks a database, S3 or Airflow.
 */

const env = process.env;
const REQUIRED = [
  "SMELTER_SERVICE_URL",
  "SMELTER_API_TOKEN",
  "SMELTER_AIRFLOW_URL",
  "SMELTER_DAGS_FOLDER",
  "SMELTER_MARIADB_URL",
  "SMELTER_WAREHOUSE_URL",
  "SMELTER_STATE_URL",
  "SMELTER_S3_ENDPOINT",
];

/** Why the end-to-end tests cannot run here, or false when the stack's variables are all set. */
export const skip: string | false = REQUIRED.every((k) => env[k])
  ? false
  : `${REQUIRED.filter((k) => !env[k]).join(", ")} not set: run through scripts/test e2e (stack and service up)`;

const need = (key: string): string => env[key] ?? "";

/** A pipeline (and MariaDB database) name unique to one test file's run: `<prefix>_<6 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString("hex")}`;
}

/** The longest any single DAG run of these tests may take. */
export const RUN_TIMEOUT_MS = 5 * 60_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `everyMs` until it returns a value other than undefined; fails naming `what`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---- MariaDB source -------------------------------------------------------------------------------------------

/** Connection options under which every value arrives as the server's exact text (no JS numbers or Dates). */
const EXACT = {
  charset: "utf8mb4_unicode_ci",
  dateStrings: true,
  decimalNumbers: false,
  supportBigNumbers: true,
  bigNumberStrings: true,
  jsonStrings: true,
  timezone: "+00:00",
} as const;

/** Drops and creates `database` in the stack's MariaDB and returns a connection to it. */
export async function freshSourceDatabase(database: string): Promise<mysql.Connection> {
  const url = new URL(need("SMELTER_MARIADB_URL"));
  url.pathname = "/";
  const admin = await mysql.createConnection({ uri: url.toString(), ...EXACT });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${database}`;
  return mysql.createConnection({ uri: url.toString(), ...EXACT });
}

/** Drops a source database made by `freshSourceDatabase`. */
export async function dropSourceDatabase(database: string): Promise<void> {
  const url = new URL(need("SMELTER_MARIADB_URL"));
  url.pathname = "/";
  const admin = await mysql.createConnection({ uri: url.toString() });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await admin.end();
  }
}

/** The spec's connections block: MariaDB `database` and the stack's warehouse and S3 (prefix `e2e`). */
export function connectionsYaml(database: string, mariadbPort = "{ env: SMELTER_MARIADB_PORT }"): string {
  return `connections:
  src:
    kind: mariadb
    host: { env: SMELTER_MARIADB_HOST }
    port: ${mariadbPort}
    database: ${database}
    user: { env: SMELTER_MARIADB_USER }
    password: { env: SMELTER_MARIADB_PASSWORD }
    timezone: "+00:00"
  warehouse:
    kind: postgres
    host: { env: SMELTER_PG_HOST }
    port: { env: SMELTER_PG_PORT }
    database: warehouse
    user: { env: SMELTER_PG_USER }
    password: { env: SMELTER_PG_PASSWORD }
  landing:
    kind: s3
    bucket: { env: SMELTER_S3_BUCKET }
    prefix: e2e
    region: { env: AWS_REGION }
    endpoint: { env: SMELTER_S3_ENDPOINT }
    access_key_id: { env: AWS_ACCESS_KEY_ID }
    secret_access_key: { env: AWS_SECRET_ACCESS_KEY }
warehouse: warehouse
landing: landing
`;
}

/** The head of a test pipeline's spec: version, name, `connectionsYaml(name)` and `src` as the default source. */
export function specHead(name: string): string {
  return `version: 1\nname: ${name}\n${connectionsYaml(name)}defaults: { source: src }\n`;
}

// ---- smelter service ------------------------------------------------------------------------------------------

/** An execution as the service reports it (CONTRACTS.md §2), the fields the tests read. */
export interface Execution {
  id: string;
  pipeline: string;
  step: string;
  table: string | null;
  status: "queued" | "running" | "success" | "failed" | "cancelled";
  idempotency_key: string;
  airflow: { dag_id: string; run_id: string; task_id: string; try_number: number } | null;
  error: { type: string; message: string; retryable: boolean } | null;
  metrics: Record<string, number | null> | null;
}

/** One call to the service with the stack's token; a non-2xx answer throws with its body. */
export async function service<T>(method: string, path: string, body?: string, type = "application/json") {
  const res = await fetch(`${need("SMELTER_SERVICE_URL").replace(/\/$/, "")}${path}`, {
    method,
    headers: { authorization: `Bearer ${need("SMELTER_API_TOKEN")}`, "content-type": type },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`service ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Calls the service until Airflow answers it: the shared stack restarts Airflow when its plugin sources change,
 * and a request refused by a restarting Airflow did nothing there, so sending it again is safe.
 */
async function serviceWhileAirflowRestarts<T>(method: string, path: string, body?: string): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      return await service<T>(method, path, body);
    } catch (error) {
      if (Date.now() > deadline || !/ECONNREFUSED/.test((error as Error).message)) throw error;
      await sleep(5000);
    }
  }
}

/** Registers the spec with the service and publishes its DAGs (written, parsed by Airflow, unpaused). */
export async function publish(
  name: string,
  yaml: string,
): Promise<{ file_name: string; dag_ids: string[] }[]> {
  await service("PUT", `/api/v1/pipelines/${name}`, yaml, "application/yaml");
  const out = await serviceWhileAirflowRestarts<{ files: { file_name: string; dag_ids: string[] }[] }>(
    "POST",
    `/api/v1/pipelines/${name}/publish`,
    JSON.stringify({ unpause: true, trigger: false, wait: false }),
  );
  return out.files;
}

/** Triggers a run of the pipeline's main DAG (or `dagId`) through the service. */
export function trigger(name: string, dagId?: string): Promise<{ dag_id: string; run_id: string }> {
  return serviceWhileAirflowRestarts(
    "POST",
    `/api/v1/pipelines/${name}/runs`,
    JSON.stringify({ ...(dagId ? { dag_id: dagId } : {}), wait: false }),
  );
}

/** The pipeline's executions, newest first. */
export async function executions(name: string): Promise<Execution[]> {
  const out = await service<{ executions: Execution[] }>(
    "GET",
    `/api/v1/executions?pipeline=${name}&limit=500`,
  );
  return out.executions;
}

// ---- Airflow --------------------------------------------------------------------------------------------------

export const airflow = new AirflowClient({
  url: need("SMELTER_AIRFLOW_URL"),
  user: env.SMELTER_AIRFLOW_USER ?? "admin",
  password: env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
});

let airflowToken: string | undefined;

/** A raw Airflow 3 REST call (`/api/v2...`) answering text, for what the shared client does not offer. */
export async function airflowText(method: string, path: string, body?: object): Promise<string> {
  const base = need("SMELTER_AIRFLOW_URL").replace(/\/$/, "");
  if (!airflowToken) {
    const res = await fetch(`${base}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: env.SMELTER_AIRFLOW_USER ?? "admin",
        password: env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
      }),
    });
    airflowToken = ((await res.json()) as { access_token: string }).access_token;
  }
  const res = await fetch(`${base}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${airflowToken}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`Airflow ${method} /api/v2${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

/** A raw Airflow 3 REST call answering JSON. */
export async function airflowApi<T>(method: string, path: string, body?: object): Promise<T> {
  const text = await airflowText(method, path, body);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The path of a task instance of a run in Airflow's REST API. */
export function taskPath(dagId: string, runId: string, taskId: string): string {
  return `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${encodeURIComponent(taskId)}`;
}

/** A followed run with the lines it printed, for assertion messages. */
export interface RunResult extends FollowedRun {
  dagId: string;
  runId: string;
  lines: string[];
}

/** Triggers the pipeline's main DAG (or `dagId`) through the service and follows the run to its end. */
export async function runPipeline(name: string, dagId?: string): Promise<RunResult> {
  const run = await trigger(name, dagId);
  return follow(run.dag_id, run.run_id);
}

/**
 * Follows an existing run to its end. Airflow restarting meanwhile (the shared stack restarts it when its
 * plugin sources change) is waited out: the run goes on in Airflow's database.
 */
export async function follow(dagId: string, runId: string): Promise<RunResult> {
  const lines: string[] = [];
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    try {
      const result = await followRun(airflow, need("SMELTER_AIRFLOW_URL"), dagId, runId, {
        timeoutMs: Math.max(1000, deadline - Date.now()),
        write: (line) => lines.push(line),
      });
      return { ...result, dagId, runId, lines };
    } catch (error) {
      const message = (error as Error).message;
      if (Date.now() > deadline || !/no response|ECONNREFUSED|ECONNRESET| 50[234]\b/.test(message))
        throw error;
      lines.push(`  (Airflow not answering: ${message}; following again)`);
      await sleep(5000);
    }
  }
}

/** A readable account of a run for assertion messages. */
export function describeRun(run: RunResult): string {
  return `${run.dagId}/${run.runId} ended ${run.state}:\n${run.lines.join("\n")}`;
}

/** A task instance of a run by task id. */
export function taskOf(run: RunResult, taskId: string): AirflowTaskInstance {
  const task = run.tasks.find((t) => t.task_id === taskId);
  if (!task) throw new Error(`task ${taskId} is not in ${describeRun(run)}`);
  return task;
}

/**
 * Removes a pipeline's DAG files (the generated ones and `smelter__<name>.py` whatever wrote it) and then deletes
 * them and `dagIds` from Airflow, as publishing retires a stale file: once Airflow has marked them stale, since a
 * DAG deleted while the dag processor marks it stops the dag processor.
 */
export async function removeDags(name: string, dagIds: readonly string[]): Promise<void> {
  const publisher = new Publisher(airflow, new LocalDagFolder(need("SMELTER_DAGS_FOLDER")));
  const files = await publisher.staleFiles(name, []);
  const listed = files.flatMap((f) => f.dagIds);
  const others = { fileName: `smelter__${name}.py`, dagIds: dagIds.filter((id) => !listed.includes(id)) };
  await publisher.retire([...files, others], [], undefined, 120_000);
}

/**
 * Removes what a test pipeline left behind: its registration, DAG files and DAGs in Airflow, bronze and silver
 * schemas, warehouse bookkeeping rows, landed files and source database. Errors are ignored: a cleanup never
 * hides the test's own failure.
 */
export async function cleanup(name: string, database: string, dagIds: string[]): Promise<void> {
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  await quiet(service("DELETE", `/api/v1/pipelines/${name}`));
  await quiet(removeDags(name, dagIds));
  await quiet(
    withWarehouse(async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS "${name}_bronze" CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS "${name}_silver" CASCADE`);
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = '_smelter' AND column_name = 'pipeline'",
      );
      for (const row of rows) {
        await client.query(`DELETE FROM _smelter."${row.table_name}" WHERE pipeline = $1`, [name]);
      }
    }),
  );
  await quiet(
    (async () => {
      // Executions stay for the retention job (they explain a failure); watermarks and publish records go.
      const client = await stateClient();
      try {
        await client.query("DELETE FROM smelter.watermarks WHERE pipeline = $1", [name]);
        await client.query("DELETE FROM smelter.published_dags WHERE pipeline = $1", [name]);
      } finally {
        await client.end();
      }
    })(),
  );
  await quiet(removeLanded(name));
  await quiet(dropSourceDatabase(database));
}

async function removeLanded(name: string): Promise<void> {
  const s3 = new S3Client({
    endpoint: need("SMELTER_S3_ENDPOINT"),
    region: env.AWS_REGION ?? "us-east-1",
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = env.SMELTER_S3_BUCKET ?? "smelter-landing";
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `e2e/${name}/` }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) return;
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
  }
}

// ---- a test file's pipeline -----------------------------------------------------------------------------------

/**
 * Registers the hooks of a test file's pipeline `name` (call it inside `describe`). Before the suite: a fresh
 * MariaDB database `name` seeded with the demo data set (scale 0.01, seeded by `name`), then `spec` published
 * when given. After it: the connection closed, `beforeCleanup` when given, and `cleanup` of the pipeline and of
 * `dagIds` (default: its main DAG). `db()` is the source connection, for the suite's own changes.
 */
export function demoPipeline(
  name: string,
  options: { spec?: string; dagIds?: string[]; beforeCleanup?: () => Promise<void> } = {},
): { db: () => mysql.Connection } {
  let conn: mysql.Connection | undefined;
  before(async () => {
    conn = await freshSourceDatabase(name);
    await seedDemo(conn, { seed: name, scale: 0.01, force: true });
    if (options.spec !== undefined) await publish(name, options.spec);
  });
  after(async () => {
    await conn?.end();
    await options.beforeCleanup?.();
    await cleanup(name, name, options.dagIds ?? [`smelter__${name}`]);
  });
  return { db: () => conn as mysql.Connection };
}

// ---- PostgreSQL -----------------------------------------------------------------------------------------------

/** Every PostgreSQL value as its text form, like the source side. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/** Runs `use` with a client of the warehouse database (values as text). */
export async function withWarehouse<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: need("SMELTER_WAREHOUSE_URL"), types: RAW_TEXT });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A client of the service's state database; the caller ends it. */
export async function stateClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: need("SMELTER_STATE_URL") });
  await client.connect();
  return client;
}
