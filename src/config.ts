import { readFileSync, realpathSync, statSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import cron from "node-cron";
import { ConfigError } from "./errors.ts";
import { URL_ENCODING_HINT, userinfoCutShort } from "./secrets.ts";
import {
  eventChoiceProblem,
  NOTIFICATION_EVENTS,
  type NotificationEventType,
  WEBHOOK_FORMATS,
  type WebhookFormat,
} from "./webhooks.ts";

/**
 * Settings of the smelter service, parsed once at start from the environment. A bad value fails fast with the
 * key, the value (never for secrets) and what was expected. Pipeline credentials are not here: they are resolved
 * per execution from the spec's references.
 */

/**
 * What a token may do: `read` GETs, `execute` submits/cancels executions, `admin` registers/publishes/triggers,
 * `operate` the recovery actions (re-sync, backfill, watermark, silver rebuild, re-run), each audited.
 */
export type Scope = "read" | "execute" | "admin" | "operate";

export const ALL_SCOPES: readonly Scope[] = ["read", "execute", "admin", "operate"];

export interface ApiToken {
  /** Shown in logs instead of the token. */
  name: string;
  token: string;
  scopes: ReadonlySet<Scope>;
}

export interface AirflowConfig {
  /** Airflow's API server as the service reaches it. */
  url: string;
  user: string;
  password: string;
  /** Airflow's UI as browsers reach it, for the links of the web pages; default `url`. */
  publicUrl?: string;
}

/** Airflow from SMELTER_AIRFLOW_URL, _USER, _PASSWORD and _PUBLIC_URL; null without SMELTER_AIRFLOW_URL. */
export function airflowConfig(env: Env): AirflowConfig | null {
  if (!env.SMELTER_AIRFLOW_URL) return null;
  const apiUrl = url("SMELTER_AIRFLOW_URL", env.SMELTER_AIRFLOW_URL, false);
  return {
    url: apiUrl,
    user: env.SMELTER_AIRFLOW_USER || "admin",
    password: env.SMELTER_AIRFLOW_PASSWORD || "admin",
    publicUrl: env.SMELTER_AIRFLOW_PUBLIC_URL
      ? url("SMELTER_AIRFLOW_PUBLIC_URL", env.SMELTER_AIRFLOW_PUBLIC_URL, false)
      : apiUrl,
  };
}

/**
 * A list of hosts: exact names (compared without case), `*.example.com` (any name under example.com, not
 * example.com itself), IP addresses, and CIDR ranges of addresses (`10.0.0.0/8`, `fd00::/8`).
 */
export class AllowedHosts {
  readonly entries: readonly string[];
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges = new BlockList();

  /** Throws a ConfigError naming the first entry that is none of the above. */
  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) {
      const lower = entry.toLowerCase();
      const cidr = /^([^/]+)\/(\d{1,3})$/.exec(lower);
      if (cidr) {
        const family = isIP(cidr[1]!);
        const bits = Number(cidr[2]);
        if (family === 0 || bits > (family === 4 ? 32 : 128)) throw badHost(entry);
        this.ranges.addSubnet(cidr[1]!, bits, family === 4 ? "ipv4" : "ipv6");
      } else if (isIP(lower) !== 0) {
        this.ranges.addAddress(lower, isIP(lower) === 4 ? "ipv4" : "ipv6");
      } else if (lower.startsWith("*.") && HOST_NAME.test(lower.slice(2))) {
        this.suffixes.push(lower.slice(1));
      } else if (HOST_NAME.test(lower)) {
        this.names.add(lower);
      } else {
        throw badHost(entry);
      }
    }
  }

  /** Whether a connection may name `host` (a name, an IP address, or an IPv6 address in brackets). */
  allows(host: string): boolean {
    const bare = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
    const family = isIP(bare);
    if (family !== 0) return this.ranges.check(bare, family === 4 ? "ipv4" : "ipv6");
    return this.names.has(bare) || this.suffixes.some((suffix) => bare.endsWith(suffix));
  }
}

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

function badHost(entry: string): ConfigError {
  return new ConfigError(
    `SMELTER_ALLOWED_HOSTS entry ${JSON.stringify(entry)} is invalid: expected a host name, *.domain, an IP address or a CIDR range`,
  );
}

/** Where notifications go: a name for the log, the body's format, and the URL (a secret: it may hold a token). */
export interface WebhookTarget {
  name: string;
  format: WebhookFormat;
  url: string;
  /** The event types it receives; absent: every type. */
  events?: readonly NotificationEventType[];
}

/** How the service writes its log: JSON lines (default) or one readable line per entry. */
export type LogFormat = "json" | "pretty";

export interface LogSettings {
  format: LogFormat;
  /** pino level: trace, debug, info, warn, error, fatal or silent; default info. */
  level: string;
}

/** What specs registered over the API may reach; specs of the specs folder are not bound by it. */
export interface RegisteredSpecRules {
  /** Real path of the only directory their `{file: …}` secrets may be read from; null: no secret file. */
  secretsDir: string | null;
  /** Hosts their connections may name; null: any host. */
  allowedHosts: AllowedHosts | null;
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
   * `taskWatch` cancels executions whose Airflow task instance is no longer running that try; `maintenance`
   * compacts and vacuums the warehouse tables of every pipeline.
   */
  jobs: {
    reconcile: string;
    retention: string;
    maintenance: string;
    airflowWatch: string;
    taskWatch: string;
    /** Evaluates the freshness SLAs of every table and model and logs each change of state. */
    freshness: string;
    /** Delivers pending notifications to their webhooks. */
    notify: string;
  };
  /** SMELTER_NOTIFY_WEBHOOKS: where failures, recoveries and freshness changes are sent; empty: nowhere. */
  webhooks: WebhookTarget[];
  /** Whether the reconcile job publishes changed specs (true) or only reports drift (false); default false. */
  reconcilePublish: boolean;
  /** Days finished executions and their logs are kept; default 30. */
  retentionDays: number;
  /** Change-feed versions kept beyond what every silver model has merged; default 10. */
  changeFeedKeepVersions: number;
  /** Days landed batches are kept after bronze applied them; default 7. */
  landingRetentionDays: number;
  /** Hours of table history maintenance keeps (Delta VACUUM's retention); default 168, Delta's own. */
  vacuumRetainHours: number;
  /** SMELTER_SECRETS_DIR and SMELTER_ALLOWED_HOSTS: the rules of specs registered over the API. */
  registeredSpecs: RegisteredSpecRules;
  /** How long a reading of the warehouses' freshness is reused (metrics, the freshness job); default 60. */
  freshnessTtlSeconds: number;
  /** SMELTER_LOG_FORMAT (`json`, the default, or `pretty`) and SMELTER_LOG_LEVEL (default `info`). */
  log: LogSettings;
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

function oneOf<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) fail(key, raw, `one of ${allowed.join(", ")}`);
  return raw as T;
}

const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];
const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

function url(key: string, raw: string, secret: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // A connection URL may hold a password: name the key, not the value.
    if (secret) throw new ConfigError(`${key} is not a valid URL; ${URL_ENCODING_HINT}`);
    return fail(key, raw, "an absolute URL such as http://host:port");
  }
  if (secret && userinfoCutShort(parsed)) {
    throw new ConfigError(
      `${key}: the user information ends before its "@", as a reserved character in the password does; ${URL_ENCODING_HINT}`,
    );
  }
  return raw.replace(/\/+$/, "");
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

/** SMELTER_SECRETS_DIR as a real path (symlinks resolved), or null when unset; it must be a directory. */
function secretsDir(env: Env): string | null {
  const raw = env.SMELTER_SECRETS_DIR;
  if (raw === undefined || raw === "") return null;
  let real: string;
  try {
    real = realpathSync(raw);
  } catch (error) {
    return fail(
      "SMELTER_SECRETS_DIR",
      raw,
      `an existing directory (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  if (!statSync(real).isDirectory()) fail("SMELTER_SECRETS_DIR", raw, "a directory");
  return real;
}

// Event names hold a dot, so an events part is never taken for the `env` or `file` that follows it.
const WEBHOOK_ENTRY =
  /^([a-z0-9_-]+):(slack|json)(?::([a-z]+\.[a-z]+(?:\+[a-z]+\.[a-z]+)*))?:(env|file):(.+)$/;

/**
 * Webhooks from SMELTER_NOTIFY_WEBHOOKS: comma-separated `name:format:env:VARIABLE` or `name:format:file:/path`,
 * where format is `slack` or `json` and the URL is read from the variable or the file (a trailing newline
 * dropped), like the service's other secrets it is never written in the list itself. An optional part after the
 * format chooses the events the webhook receives (`name:format:execution.failed+execution.recovered:env:VAR`);
 * without it, every event. Errors name the entry's target and reference, never the URL.
 */
export function parseWebhooks(env: Env): WebhookTarget[] {
  const entries = (env.SMELTER_NOTIFY_WEBHOOKS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const m = WEBHOOK_ENTRY.exec(entry);
    if (!m) {
      throw new ConfigError(
        `SMELTER_NOTIFY_WEBHOOKS entry ${index + 1} is invalid: expected name:format:env:VARIABLE or name:format:file:/path (optionally name:format:event+event:…), with format ${WEBHOOK_FORMATS.join(" or ")} and a name of lowercase letters, digits, _ and -`,
      );
    }
    const [, name, format, chosen, kind, ref] = m as unknown as [
      string,
      string,
      WebhookFormat,
      string | undefined,
      "env" | "file",
      string,
    ];
    if (seen.has(name)) throw new ConfigError(`SMELTER_NOTIFY_WEBHOOKS names webhook ${name} twice`);
    seen.add(name);
    const where = `SMELTER_NOTIFY_WEBHOOKS webhook ${name}`;
    const events = chosen?.split("+");
    const unknown = events?.find((e) => !(NOTIFICATION_EVENTS as readonly string[]).includes(e));
    if (unknown !== undefined) {
      throw new ConfigError(
        `${where}: unknown event ${JSON.stringify(unknown)}: expected ${NOTIFICATION_EVENTS.join(", ")}`,
      );
    }
    const problem = events && eventChoiceProblem(events as NotificationEventType[]);
    if (problem) throw new ConfigError(`${where}: ${problem}`);
    let raw: string | undefined;
    if (kind === "env") {
      raw = env[ref];
      if (!raw) throw new ConfigError(`${where}: environment variable ${ref} is not set`);
    } else {
      try {
        raw = readFileSync(ref, "utf8").replace(/\r?\n$/, "");
      } catch (error) {
        throw new ConfigError(
          `${where}: file ${ref} cannot be read (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
        );
      }
    }
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`${where}: the URL in ${kind} ${ref} is not a valid URL`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new ConfigError(`${where}: the URL in ${kind} ${ref} is not an http(s) URL`);
    }
    return {
      name,
      format,
      url: raw,
      ...(events ? { events: [...new Set(events)] as NotificationEventType[] } : {}),
    };
  });
}

/** SMELTER_ALLOWED_HOSTS, comma-separated, or null when unset (any host). */
function allowedHosts(env: Env): AllowedHosts | null {
  const raw = env.SMELTER_ALLOWED_HOSTS;
  if (raw === undefined || raw.trim() === "") return null;
  return new AllowedHosts(
    raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
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
  const airflow = airflowConfig(env);
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
      maintenance: schedule(env, "SMELTER_JOB_MAINTENANCE", "47 4 * * *"),
      airflowWatch: schedule(env, "SMELTER_JOB_AIRFLOW_WATCH", "* * * * *"),
      taskWatch: schedule(env, "SMELTER_JOB_TASK_WATCH", "*/15 * * * * *"),
      freshness: schedule(env, "SMELTER_JOB_FRESHNESS", "* * * * *"),
      notify: schedule(env, "SMELTER_JOB_NOTIFY", "*/5 * * * * *"),
    },
    webhooks: parseWebhooks(env),
    reconcilePublish: boolean(env, "SMELTER_RECONCILE_PUBLISH", false),
    retentionDays: integer(env, "SMELTER_RETENTION_DAYS", 30, 1),
    changeFeedKeepVersions: integer(env, "SMELTER_CHANGE_FEED_KEEP_VERSIONS", 10, 0),
    landingRetentionDays: integer(env, "SMELTER_LANDING_RETENTION_DAYS", 7, 1),
    vacuumRetainHours: integer(env, "SMELTER_VACUUM_RETAIN_HOURS", 168, 0),
    registeredSpecs: { secretsDir: secretsDir(env), allowedHosts: allowedHosts(env) },
    freshnessTtlSeconds: integer(env, "SMELTER_FRESHNESS_TTL_SECONDS", 60, 1),
    log: {
      format: oneOf(env, "SMELTER_LOG_FORMAT", LOG_FORMATS, "json"),
      level: oneOf(env, "SMELTER_LOG_LEVEL", LOG_LEVELS, "info"),
    },
  };
}
