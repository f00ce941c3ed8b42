import cron from "node-cron";
import { ConfigError } from "./errors.ts";

/**
 * Settings of the smelter service, parsed once at start from the environment. A bad value fails fast with the
 * key, the value (never for secrets) and what was expected. Pipeline credentials are not here: they are resolved
 * per execution from the spec's references.
 */

/** What a token may do: `read` GETs, `execute` submits/cancels executions, `admin` registers/publishes/triggers. */
export type Scope = "read" | "execute" | "admin";

export const ALL_SCOPES: readonly Scope[] = ["read", "execute", "admin"];

export interface ApiToken {
  /** Shown in logs instead of the token. */
  name: string;
  token: string;
  scopes: ReadonlySet<Scope>;
}

export interface AirflowConfig {
  url: string;
  user: string;
  password: string;
}

export interface ServiceConfig {
  stateUrl: string;
  tokens: ApiToken[];
  port: number;
  host: string;
  /** Folder of pipeline YAML specs the service knows besides those registered over HTTP; default `examples/`. */
  specsDir: string;
  /** Where published DAG files are written; default `dags-out/`. */
  dagsFolder: string;
  airflow: AirflowConfig | null;
  /** Most queued executions (all replicas) before submits get 429; default 100. */
  maxQueue: number;
  /** Executions this replica runs at once; default 4. */
  maxConcurrentExecutions: number;
  /** How long an execution waits for another holding its (pipeline, table, step) lock; 0 refuses at once. */
  lockWaitSeconds: number;
  /** A running execution whose heartbeat is older than this is considered dead (replica gone); default 30. */
  leaseSeconds: number;
  /** Grace period on SIGTERM for running executions before they are marked interrupted; default 60. */
  shutdownTimeoutSeconds: number;
  /** Base URL used in links (`links.ui`); default `http://<host>:<port>`. */
  publicUrl: string;
  /**
   * Cron expressions of the scheduled jobs (a sixth leading field is seconds); an empty string disables a job.
   * `taskWatch` cancels executions whose Airflow task instance is no longer running that try.
   */
  jobs: { reconcile: string; retention: string; airflowWatch: string; taskWatch: string };
  /** Whether the reconcile job publishes changed specs (true) or only reports drift (false); default false. */
  reconcilePublish: boolean;
  /** Days finished executions and their logs are kept; default 30. */
  retentionDays: number;
  /** Change-feed versions kept beyond what every silver model has merged; default 10. */
  changeFeedKeepVersions: number;
  /** Days landed batches are kept after bronze applied them; default 7. */
  landingRetentionDays: number;
}

type Env = NodeJS.ProcessEnv;

function fail(key: string, value: string, expected: string): never {
  throw new ConfigError(`${key}=${JSON.stringify(value)} is invalid: expected ${expected}`);
}

function integer(
  env: Env,
  key: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(key, raw, `an integer between ${min} and ${max}`);
  }
  return value;
}

function boolean(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  return fail(key, raw, "true or false");
}

function url(key: string, raw: string, secret: boolean): string {
  try {
    new URL(raw);
    return raw.replace(/\/+$/, "");
  } catch {
    // A connection URL may hold a password: name the key, not the value.
    if (secret) throw new ConfigError(`${key} is not a valid URL`);
    return fail(key, raw, "an absolute URL such as http://host:port");
  }
}

/**
 * Tokens from SMELTER_API_TOKENS (comma-separated `token`, `name:token` or `name:token:scope+scope`) and
 * SMELTER_API_TOKEN (one token, all scopes). Token values are never echoed in errors.
 */
export function parseTokens(env: Env): ApiToken[] {
  const tokens: ApiToken[] = [];
  const entries = (env.SMELTER_API_TOKENS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const parts = entry.split(":");
    if (parts.length > 3 || parts.some((p) => p === "")) {
      throw new ConfigError(
        `SMELTER_API_TOKENS entry ${index + 1} is invalid: expected token, name:token or name:token:scope+scope`,
      );
    }
    const [first, second, third] = parts as [string, string?, string?];
    const name = second === undefined ? `token${index + 1}` : first;
    const token = second ?? first;
    let scopes = new Set<Scope>(ALL_SCOPES);
    if (third !== undefined) {
      const names = third.split("+");
      const bad = names.find((s) => !(ALL_SCOPES as readonly string[]).includes(s));
      if (bad !== undefined) {
        throw new ConfigError(
          `SMELTER_API_TOKENS entry ${index + 1} (${name}) has unknown scope ${JSON.stringify(bad)}: expected ${ALL_SCOPES.join(", ")}`,
        );
      }
      scopes = new Set(names as Scope[]);
    }
    tokens.push({ name, token, scopes });
  });
  if (env.SMELTER_API_TOKEN) {
    tokens.push({ name: "default", token: env.SMELTER_API_TOKEN, scopes: new Set(ALL_SCOPES) });
  }
  return tokens;
}

function schedule(env: Env, key: string, fallback: string): string {
  const raw = env[key] ?? fallback;
  if (raw !== "" && !cron.validate(raw)) {
    fail(key, raw, "a cron expression (5 fields, or 6 with seconds first), or empty to disable the job");
  }
  return raw;
}

/** Reads and checks every service setting. Throws ConfigError naming the first bad key. */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const stateUrlRaw = env.SMELTER_STATE_URL;
  if (!stateUrlRaw) {
    throw new ConfigError(
      "SMELTER_STATE_URL is not set: expected a PostgreSQL URL of the service state database",
    );
  }
  const stateUrl = url("SMELTER_STATE_URL", stateUrlRaw, true);
  const tokens = parseTokens(env);
  if (tokens.length === 0) {
    throw new ConfigError("no API token configured: set SMELTER_API_TOKEN or SMELTER_API_TOKENS");
  }
  const port = integer(env, "SMELTER_PORT", 18300, 0, 65535);
  const host = env.SMELTER_HOST || "127.0.0.1";
  let airflow: AirflowConfig | null = null;
  if (env.SMELTER_AIRFLOW_URL) {
    airflow = {
      url: url("SMELTER_AIRFLOW_URL", env.SMELTER_AIRFLOW_URL, false),
      user: env.SMELTER_AIRFLOW_USER || "admin",
      password: env.SMELTER_AIRFLOW_PASSWORD || "admin",
    };
  }
  return {
    stateUrl,
    tokens,
    port,
    host,
    specsDir: env.SMELTER_SPECS_DIR || "examples",
    dagsFolder: env.SMELTER_DAGS_FOLDER || "dags-out",
    airflow,
    maxQueue: integer(env, "SMELTER_MAX_QUEUE", 100, 1),
    maxConcurrentExecutions: integer(env, "SMELTER_MAX_CONCURRENT_EXECUTIONS", 4, 1, 256),
    lockWaitSeconds: integer(env, "SMELTER_LOCK_WAIT_SECONDS", 3600, 0),
    leaseSeconds: integer(env, "SMELTER_EXECUTION_LEASE_SECONDS", 30, 1),
    shutdownTimeoutSeconds: integer(env, "SMELTER_SHUTDOWN_TIMEOUT_SECONDS", 60, 0),
    publicUrl: env.SMELTER_PUBLIC_URL
      ? url("SMELTER_PUBLIC_URL", env.SMELTER_PUBLIC_URL, false)
      : `http://${host}:${port}`,
    jobs: {
      reconcile: schedule(env, "SMELTER_JOB_RECONCILE", "*/5 * * * *"),
      retention: schedule(env, "SMELTER_JOB_RETENTION", "17 3 * * *"),
      airflowWatch: schedule(env, "SMELTER_JOB_AIRFLOW_WATCH", "* * * * *"),
      taskWatch: schedule(env, "SMELTER_JOB_TASK_WATCH", "*/15 * * * * *"),
    },
    reconcilePublish: boolean(env, "SMELTER_RECONCILE_PUBLISH", false),
    retentionDays: integer(env, "SMELTER_RETENTION_DAYS", 30, 1),
    changeFeedKeepVersions: integer(env, "SMELTER_CHANGE_FEED_KEEP_VERSIONS", 10, 0),
    landingRetentionDays: integer(env, "SMELTER_LANDING_RETENTION_DAYS", 7, 1),
  };
}
