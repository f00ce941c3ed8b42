import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import type { RegisteredSpecRules } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { rememberSecret, URL_ENCODING_HINT, userinfoCutShort } from "../secrets.ts";
import { formatPath } from "./problems.ts";
import type {
  DatabaseConnection,
  DatabaseKind,
  LandingConnection,
  NotificationTarget,
  PipelineSpec,
  SecretRef,
  Setting,
} from "./types.ts";

/**
 * Turns the names and references of a spec into concrete connection settings, reading environment variables
 * and secret files. Done at execution time in the service, never in the compiler: DAG files hold no secrets.
 * Error messages name the connection and the variable or file, never a value.
 *
 * A spec registered over the API is confined (see `confine`): its `{ file: … }` secrets are read only from the
 * service's secrets directory, and its connections may name only the allowed hosts. Specs from files the
 * operator put in place (the specs folder, the command line) keep the open rules.
 */

export interface ResolvedDatabase {
  name: string;
  kind: DatabaseKind;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  timezone: string;
  maxConnections: number;
  /** Spark: catalog of the bronze and silver schemas. */
  catalog?: string;
  /** Spark: base location of Delta tables. */
  location?: string;
  /** Spark: the landing zone's root as the warehouse reads it. */
  landingPath?: string;
}

export type ResolvedLanding =
  | {
      name: string;
      kind: "s3";
      bucket: string;
      prefix: string;
      region: string;
      endpoint?: string;
      accessKeyId?: string;
      secretAccessKey?: string;
    }
  | { name: string; kind: "local"; path: string; prefix: string };

const DEFAULT_PORTS: Record<DatabaseKind, number> = {
  mariadb: 3306,
  mysql: 3306,
  postgres: 5432,
  spark: 10000,
};

/** Databases a connection need not name: a Spark Thrift server's session opens in `default`. */
const DEFAULT_DATABASES: Partial<Record<DatabaseKind, string>> = { spark: "default" };

const confined = new WeakMap<PipelineSpec, RegisteredSpecRules>();

/**
 * Binds `spec` to the rules of specs registered over the API: the pipeline catalog calls it for every spec it
 * reads from the state database. Returns the spec.
 */
export function confine(spec: PipelineSpec, rules: RegisteredSpecRules): PipelineSpec {
  confined.set(spec, rules);
  return spec;
}

const CONFINED = "specs registered over the API";

/**
 * Where a confined spec's secret file really is, checked without reading it: an absolute path without `..`
 * inside the secrets directory, whose real path (symlinks resolved) is inside it too. With `mayBeMissing`, a
 * file that does not exist yet passes on its path alone.
 */
function confinedPath(file: string, rules: RegisteredSpecRules, where: string, mayBeMissing = false): string {
  const dir = rules.secretsDir;
  if (dir === null) {
    throw new ConfigError(
      `${where}: secret file ${file} is refused: ${CONFINED} may read secret files only from the service's secrets directory, and none is configured (SMELTER_SECRETS_DIR); nothing was read`,
    );
  }
  if (file.split(/[\\/]/).includes("..")) {
    throw new ConfigError(`${where}: secret file ${file} is refused: ".." is not allowed in ${CONFINED}`);
  }
  const inside = (path: string) => {
    const rel = relative(dir, path);
    return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  };
  const outside = `${where}: secret file ${file} is outside the secrets directory ${dir}`;
  if (!isAbsolute(file) || !inside(file)) throw new ConfigError(`${outside}; nothing was read`);
  let real: string;
  try {
    real = realpathSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    if (mayBeMissing && code === "ENOENT") return file;
    throw new ConfigError(`${where}: secret file ${file} cannot be read (${code})`);
  }
  if (!inside(real)) throw new ConfigError(`${outside} once its links are followed; nothing was read`);
  return real;
}

/** Reads a regular file without following a link at its last step (its real path was checked already). */
function readRegularFile(path: string, file: string, where: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new ConfigError(`${where}: secret file ${file} is not a regular file`);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a secret from its environment variable or file; a trailing newline of a file is dropped. With `rules`
 * (a confined spec) a file is read only from the secrets directory. The value joins the secrets the service log
 * and notification bodies are scrubbed of (`rememberSecret`).
 */
export function resolveSecret(
  ref: SecretRef,
  env: NodeJS.ProcessEnv,
  where: string,
  rules?: RegisteredSpecRules,
): string {
  const value = readSecret(ref, env, where, rules);
  rememberSecret(value);
  return value;
}

function readSecret(
  ref: SecretRef,
  env: NodeJS.ProcessEnv,
  where: string,
  rules: RegisteredSpecRules | undefined,
): string {
  if ("env" in ref) {
    const value = env[ref.env];
    if (value === undefined || value === "") {
      throw new ConfigError(`${where}: environment variable ${ref.env} is not set`);
    }
    return value;
  }
  const path = rules ? confinedPath(ref.file, rules, where) : ref.file;
  try {
    return (rules ? readRegularFile(path, ref.file, where) : readFileSync(path, "utf8")).replace(
      /\r?\n$/,
      "",
    );
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`${where}: secret file ${ref.file} cannot be read (${code})`);
  }
}

/** Refuses a host a confined spec may not connect to. */
function checkHost(host: string, rules: RegisteredSpecRules | undefined, where: string): void {
  if (!rules?.allowedHosts || rules.allowedHosts.allows(host)) return;
  throw new ConfigError(
    `${where}: host ${host} is not one ${CONFINED} may connect to (SMELTER_ALLOWED_HOSTS: ${rules.allowedHosts.entries.join(", ")}); nothing was connected`,
  );
}

/**
 * What can be told about a confined spec without resolving anything: secret files it may not read and literal
 * hosts it may not name. The pipeline catalog refuses to register a spec with any, saying why.
 */
export function confinementProblems(spec: PipelineSpec, rules: RegisteredSpecRules): string[] {
  const problems: string[] = [];
  const attempt = (check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message.replace(/; nothing was (read|connected)$/, ""));
    }
  };
  for (const [name, conn] of Object.entries(spec.connections)) {
    const where = `connections.${name}`;
    const secrets: [string, SecretRef | undefined][] =
      conn.kind === "s3"
        ? [
            ["accessKeyId", conn.accessKeyId],
            ["secretAccessKey", conn.secretAccessKey],
          ]
        : conn.kind === "local"
          ? []
          : [
              ["url", conn.url],
              ["password", conn.password],
            ];
    for (const [key, ref] of secrets) {
      if (ref && "file" in ref) {
        // A file that does not exist yet may be put in place before the first run.
        attempt(() => confinedPath(ref.file, rules, `${where}.${key}`, true));
      }
    }
    if (conn.kind === "s3" && typeof conn.endpoint === "string") {
      attempt(() =>
        checkHost(endpointHost(conn.endpoint as string, `${where}.endpoint`), rules, `${where}.endpoint`),
      );
    } else if (conn.kind !== "s3" && conn.kind !== "local" && typeof conn.host === "string") {
      attempt(() => checkHost(conn.host as string, rules, `${where}.host`));
    }
  }
  for (const target of spec.notifications) {
    if ("file" in target.url) {
      const ref = target.url;
      attempt(() => confinedPath(ref.file, rules, notificationWhere(target), true));
    }
  }
  return problems;
}

/** Where a webhook's URL is in the spec, as errors name it. */
const notificationWhere = (target: NotificationTarget): string =>
  `${formatPath(["notifications", target.name])}.url`;

/**
 * The URL of a pipeline's webhook (`notifications.<name>.url`), read from its reference when a notification is
 * sent. It must be an http(s) URL; a confined spec's may name only the allowed hosts. Errors name the spec path
 * and the reference, never the URL (a webhook URL is its own credential).
 */
export function resolveWebhookUrl(
  spec: PipelineSpec,
  target: NotificationTarget,
  env: NodeJS.ProcessEnv,
): string {
  const where = notificationWhere(target);
  const rules = confined.get(spec);
  const raw = resolveSecret(target.url, env, where, rules);
  const source = "env" in target.url ? `environment variable ${target.url.env}` : `file ${target.url.file}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${where}: the value of ${source} is not a valid URL (value not shown)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`${where}: the value of ${source} is not an http(s) URL (value not shown)`);
  }
  checkHost(url.hostname, rules, where);
  return raw;
}

/** The host of an S3 endpoint URL. */
function endpointHost(endpoint: string, where: string): string {
  try {
    return new URL(endpoint).hostname;
  } catch {
    throw new ConfigError(`${where}: not a valid URL: ${endpoint}`);
  }
}

/** A plain value, or the value of the environment variable it names, as a string. */
export function resolveSetting(
  value: Setting<string | number>,
  env: NodeJS.ProcessEnv,
  where: string,
): string {
  if (typeof value === "object") {
    const raw = env[value.env];
    if (raw === undefined || raw === "") {
      throw new ConfigError(`${where}: environment variable ${value.env} is not set`);
    }
    return raw;
  }
  return String(value);
}

function connection(spec: PipelineSpec, name: string): DatabaseConnection | LandingConnection {
  const found = spec.connections[name];
  if (!found) throw new ConfigError(`connection "${name}" is not defined in pipeline "${spec.name}"`);
  return found;
}

/** Concrete settings of a source or warehouse connection. */
export function resolveDatabase(spec: PipelineSpec, name: string, env: NodeJS.ProcessEnv): ResolvedDatabase {
  const conn = connection(spec, name);
  const where = `connections.${name}`;
  const rules = confined.get(spec);
  if (conn.kind === "s3" || conn.kind === "local") {
    throw new ConfigError(`${where}: expected a database connection, found a ${conn.kind} landing zone`);
  }
  let fromUrl: Partial<ResolvedDatabase> = {};
  if (conn.url) {
    const raw = resolveSecret(conn.url, env, `${where}.url`, rules);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${where}.url: not a valid URL; ${URL_ENCODING_HINT}`);
    }
    if (userinfoCutShort(url)) {
      throw new ConfigError(
        `${where}.url: the user information ends before its "@", as a reserved character in the password does; ${URL_ENCODING_HINT}`,
      );
    }
    fromUrl = {
      host: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      database: decodeURIComponent(url.pathname.replace(/^\//, "")),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }
  const pick = (key: keyof DatabaseConnection, fallback?: string | number): string => {
    const value = conn[key] as Setting<string | number> | undefined;
    if (value !== undefined) return resolveSetting(value, env, `${where}.${key}`);
    const fromUrlValue = fromUrl[key as keyof ResolvedDatabase];
    if (fromUrlValue !== undefined && fromUrlValue !== "") return String(fromUrlValue);
    if (fallback !== undefined) return String(fallback);
    throw new ConfigError(`${where}: "${key}" is required (or give "url")`);
  };
  const port = Number(pick("port", DEFAULT_PORTS[conn.kind]));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConfigError(`${where}.port: expected a TCP port, got ${port}`);
  }
  const host = pick("host", "127.0.0.1");
  checkHost(host, rules, `${where}.host`);
  return {
    name,
    kind: conn.kind,
    host,
    port,
    database: pick("database", DEFAULT_DATABASES[conn.kind]),
    user: pick("user"),
    password: conn.password
      ? resolveSecret(conn.password, env, `${where}.password`, rules)
      : (fromUrl.password ?? ""),
    timezone: conn.timezone,
    maxConnections: conn.maxConnections,
    ...(conn.catalog !== undefined ? { catalog: resolveSetting(conn.catalog, env, `${where}.catalog`) } : {}),
    ...(conn.location !== undefined
      ? { location: resolveSetting(conn.location, env, `${where}.location`) }
      : {}),
    ...(conn.landingPath !== undefined
      ? { landingPath: resolveSetting(conn.landingPath, env, `${where}.landing_path`) }
      : {}),
  };
}

/** Concrete settings of the landing zone. */
export function resolveLanding(spec: PipelineSpec, name: string, env: NodeJS.ProcessEnv): ResolvedLanding {
  const conn = connection(spec, name);
  const where = `connections.${name}`;
  if (conn.kind === "local") {
    const path = resolveSetting(conn.path, env, `${where}.path`).replace(/^file:\/\//, "");
    return { name, kind: "local", path, prefix: conn.prefix };
  }
  if (conn.kind !== "s3") {
    throw new ConfigError(`${where}: expected a landing zone (s3 or local), found a ${conn.kind} database`);
  }
  const rules = confined.get(spec);
  const bucket = resolveSetting(conn.bucket, env, `${where}.bucket`);
  const region = resolveSetting(conn.region, env, `${where}.region`);
  const endpoint = conn.endpoint ? resolveSetting(conn.endpoint, env, `${where}.endpoint`) : undefined;
  // Without an endpoint the SDK talks to AWS, at the bucket's virtual host.
  const host = endpoint
    ? endpointHost(endpoint, `${where}.endpoint`)
    : `${bucket}.s3.${region}.amazonaws.com`;
  checkHost(host, rules, endpoint ? `${where}.endpoint` : where);
  return {
    name,
    kind: "s3",
    bucket,
    prefix: conn.prefix,
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(conn.accessKeyId
      ? { accessKeyId: resolveSecret(conn.accessKeyId, env, `${where}.accessKeyId`, rules) }
      : {}),
    ...(conn.secretAccessKey
      ? { secretAccessKey: resolveSecret(conn.secretAccessKey, env, `${where}.secretAccessKey`, rules) }
      : {}),
  };
}
