import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import type {
  DatabaseConnection,
  DatabaseKind,
  LandingConnection,
  PipelineSpec,
  SecretRef,
  Setting,
} from "./types.ts";

/**
 * Turns the names and references of a spec into concrete connection settings, reading environment variables
 * and secret files. Done at execution time in the service, never in the compiler: DAG files hold no secrets.
 * Error messages name the connection and the variable or file, never a value.
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

/** Reads a secret from its environment variable or file; a trailing newline of a file is dropped. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv, where: string): string {
  if ("env" in ref) {
    const value = env[ref.env];
    if (value === undefined || value === "") {
      throw new ConfigError(`${where}: environment variable ${ref.env} is not set`);
    }
    return value;
  }
  try {
    return readFileSync(ref.file, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`${where}: secret file ${ref.file} cannot be read (${code})`);
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
  if (conn.kind === "s3" || conn.kind === "local") {
    throw new ConfigError(`${where}: expected a database connection, found a ${conn.kind} landing zone`);
  }
  let fromUrl: Partial<ResolvedDatabase> = {};
  if (conn.url) {
    const raw = resolveSecret(conn.url, env, `${where}.url`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${where}.url: not a valid URL (value not shown)`);
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
  return {
    name,
    kind: conn.kind,
    host: pick("host", "127.0.0.1"),
    port,
    database: pick("database", DEFAULT_DATABASES[conn.kind]),
    user: pick("user"),
    password: conn.password
      ? resolveSecret(conn.password, env, `${where}.password`)
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
  return {
    name,
    kind: "s3",
    bucket: resolveSetting(conn.bucket, env, `${where}.bucket`),
    prefix: conn.prefix,
    region: resolveSetting(conn.region, env, `${where}.region`),
    ...(conn.endpoint ? { endpoint: resolveSetting(conn.endpoint, env, `${where}.endpoint`) } : {}),
    ...(conn.accessKeyId
      ? { accessKeyId: resolveSecret(conn.accessKeyId, env, `${where}.accessKeyId`) }
      : {}),
    ...(conn.secretAccessKey
      ? { secretAccessKey: resolveSecret(conn.secretAccessKey, env, `${where}.secretAccessKey`) }
      : {}),
  };
}
