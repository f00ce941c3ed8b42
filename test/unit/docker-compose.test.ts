import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

// docker-compose.yml read as docker compose reads it (anchors and merge keys resolved), checked without a docker
// engine: what each service runs, what it publishes, how it reports its health, and that every address handed
// to a browser is a port the host publishes while containers reach each other by service name.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const text = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; dockerfile_inline?: string };
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

/** Services that run once and exit (`restart: "no"`): nothing to publish, nothing to keep healthy. */
const oneShot = (s: Service) => s.restart === "no";

/** The Dockerfile a service builds from, as a path from the repository root. */
function dockerfileOf(service: Service): string {
  const build = service.build!;
  return join(build.context, build.dockerfile ?? "Dockerfile");
}

/** The base images of a Dockerfile's FROM lines, with ARG defaults declared before them substituted. */
function baseImages(dockerfile: string): string[] {
  const args = new Map<string, string>();
  const bases: string[] = [];
  for (const line of readFileSync(join(ROOT, dockerfile), "utf8").split("\n")) {
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg) args.set(arg[1]!, arg[2]!);
    const from = /^FROM (\S+)/.exec(line);
    if (from) bases.push(from[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? ""));
  }
  return bases;
}

/** The host port a service publishes for a container port. */
function published(name: string, containerPort: number): number {
  const entry = (compose.services[name]?.ports ?? []).find((p) => p.endsWith(`:${containerPort}`));
  assert.ok(entry, `${name} publishes container port ${containerPort}`);
  return Number(entry.split(":").at(-2));
}

/** The compose service (its name as host) and the container port a URL addresses inside the compose network. */
function reachable(url: string): { service: string; port: number } {
  const { hostname, port } = new URL(url);
  return { service: hostname, port: Number(port) };
}

const env = (name: string): Record<string, string> => compose.services[name]?.environment ?? {};
const AIRFLOW = ["airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"];

test("every service runs an image, or builds one from a Dockerfile of the repository", () => {
  assert.ok(services.length > 0);
  for (const [name, service] of services) {
    assert.ok(service.image || service.build, `${name} has an image or a build`);
    if (!service.build) continue;
    assert.equal(service.build.dockerfile_inline, undefined, `${name} builds from a Dockerfile file`);
    assert.ok(statSync(join(ROOT, service.build.context)).isDirectory(), `${name}: context exists`);
    assert.ok(existsSync(join(ROOT, dockerfileOf(service))), `${name}: ${dockerfileOf(service)} exists`);
    assert.ok(baseImages(dockerfileOf(service)).length > 0, `${name}: ${dockerfileOf(service)} has a FROM`);
  }
});

test("every Airflow component runs the image with the plugin installed, not a pip install at start", () => {
  for (const name of ["airflow-init", ...AIRFLOW]) {
    const service = compose.services[name]!;
    assert.equal(service.build?.context, "./airflow-plugins", name);
    assert.doesNotMatch(JSON.stringify(service), /pip install/, name);
  }
  const dockerfile = readFileSync(join(ROOT, "airflow-plugins/Dockerfile"), "utf8");
  assert.match(dockerfile, /^RUN pip install .*\/opt\/smelter\/airflow-plugins$/m);
  const airflowPinned = /^apache-airflow==(\S+)$/m.exec(
    readFileSync(join(ROOT, "requirements/airflow.lock.txt"), "utf8"),
  )?.[1];
  assert.deepEqual(baseImages("airflow-plugins/Dockerfile"), [`apache/airflow:${airflowPinned}`]);
});

test("the service image starts from the Node.js major the scripts bring and has no step for one CPU", () => {
  const pinned = /^SMELTER_NODE_VERSION=(\d+)\./m.exec(
    readFileSync(join(ROOT, "scripts/lib/node.sh"), "utf8"),
  )?.[1];
  assert.deepEqual(baseImages("Dockerfile"), [`node:${pinned}-bookworm-slim`]);
  for (const [name, service] of services.filter(([, s]) => s.build)) {
    const dockerfile = readFileSync(join(ROOT, dockerfileOf(service)), "utf8");
    for (const line of dockerfile.split("\n").filter((l) => /^(FROM|RUN|COPY|ADD)\b/.test(l))) {
      assert.doesNotMatch(line, /--platform|amd64|x86_64|\bx64\b|arm64|aarch64/, `${name}: ${line}`);
    }
  }
});

test("every listening service publishes its ports on 127.0.0.1 only", () => {
  const publishing = services.filter(([, s]) => s.ports).map(([name]) => name);
  assert.deepEqual(publishing, ["postgres", "mariadb", "s3", "airflow-api-server", "smelter", "spark"]);
  for (const [name, service] of services) {
    for (const port of service.ports ?? []) {
      assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${port}`);
    }
  }
});

test("every long-running service has a healthcheck, and services wait only on checks that exist", () => {
  for (const [name, service] of services) {
    if (oneShot(service)) continue;
    assert.ok((service.healthcheck?.test.length ?? 0) > 1, `${name} has a healthcheck`);
  }
  for (const [name, service] of services) {
    for (const [needed, { condition }] of Object.entries(service.depends_on ?? {})) {
      const other = compose.services[needed];
      assert.ok(other, `${name} depends on the service ${needed}`);
      if (condition === "service_healthy") assert.ok(other.healthcheck, `${needed}, awaited by ${name}`);
      if (condition === "service_completed_successfully") assert.ok(oneShot(other), `${needed} runs once`);
    }
  }
});

test("every address handed to a browser is a port the host publishes", () => {
  const airflowUi = `http://127.0.0.1:${published("airflow-api-server", 8080)}`;
  const serviceUi = `http://127.0.0.1:${published("smelter", Number(env("smelter").SMELTER_PORT))}`;
  // Airflow's own links, and the plugin's menu entry.
  for (const name of AIRFLOW) {
    assert.equal(env(name).AIRFLOW__API__BASE_URL, airflowUi, `${name} AIRFLOW__API__BASE_URL`);
    assert.equal(env(name).SMELTER_PUBLIC_URL, serviceUi, `${name} SMELTER_PUBLIC_URL`);
  }
  // The execution links the service reports, and its pages' links into Airflow.
  assert.equal(env("smelter").SMELTER_PUBLIC_URL, serviceUi);
  assert.equal(env("smelter").SMELTER_AIRFLOW_PUBLIC_URL, airflowUi);
});

test("containers reach each other by service name and container port", () => {
  assert.equal(env("smelter").SMELTER_HOST, "0.0.0.0");
  assert.deepEqual(reachable(env("smelter").SMELTER_AIRFLOW_URL!), {
    service: "airflow-api-server",
    port: 8080,
  });
  const conn = JSON.parse(env("airflow-api-server").AIRFLOW_CONN_SMELTER_DEFAULT!) as {
    host: string;
    port: number;
  };
  assert.deepEqual(
    { service: conn.host, port: conn.port },
    { service: "smelter", port: Number(env("smelter").SMELTER_PORT) },
  );
  for (const name of AIRFLOW) {
    const execution = reachable(env(name).AIRFLOW__CORE__EXECUTION_API_SERVER_URL!);
    assert.deepEqual(execution, { service: "airflow-api-server", port: 8080 }, name);
  }
  for (const url of [env("smelter").SMELTER_STATE_URL!, env("smelter").SMELTER_MARIADB_URL!]) {
    assert.ok(compose.services[reachable(url).service], `${reachable(url).service} is a service`);
  }
});

// The credentials of the local stack (scripts/lib) and MariaDB's root password: fine in a file for a laptop,
// never anything else.
const LOCAL_DEMO_DEFAULTS = new Set([
  "smelter",
  "smelter-root",
  "smelter-secret",
  "admin",
  "dev-token",
  "smelter-local-stack-api-secret",
  "smelter-local-stack-jwt-secret",
  "YmJbDZONHSAPyoSUrH4R9Zc0pAUGPbRknWf701fII24=",
]);

/** Every credential the file writes out: secret-named variables, URL passwords, JSON passwords, config keys. */
function credentials(): Map<string, string> {
  const found = new Map<string, string>();
  const patterns: [string, RegExp][] = [
    ["URL password", /:\/\/[^:/@\s]+:([^@\s]+)@/g],
    ["JSON password", /"password"\s*:\s*"([^"]*)"/g],
    ["Hadoop S3 key", /fs\.s3a\.(?:access|secret)\.key\s+(\S+)/g],
    ["metastore password", /ConnectionPassword<\/name><value>([^<]*)</g],
    ["Airflow password file", /'\{"[\w-]+": "([^"]+)"\}' > \S*passwords/g],
  ];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === "string") {
      for (const [what, pattern] of patterns) {
        for (const m of value.matchAll(pattern)) found.set(`${path} (${what})`, m[1]!);
      }
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
    } else if (value && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        // A *_FILE variable names where a secret is kept, not the secret.
        if (
          /PASSWORD|SECRET|TOKEN|FERNET_KEY|ACCESS_KEY/i.test(key) &&
          !/_FILE$/.test(key) &&
          typeof v === "string"
        ) {
          found.set(`${path}.${key}`, v);
        }
        walk(v, `${path}.${key}`);
      }
    }
  };
  walk(parse(text, { merge: true }), "compose");
  return found;
}

test("the only credentials written in the file are the local stack's demo defaults", () => {
  const found = credentials();
  // The scan sees the credentials it is meant to see.
  for (const where of [
    "compose.services.smelter.environment.SMELTER_API_TOKEN",
    "compose.services.mariadb.environment.MARIADB_ROOT_PASSWORD",
    "compose.services.airflow-api-server.environment.AIRFLOW__CORE__FERNET_KEY",
  ]) {
    assert.ok(found.has(where), where);
  }
  for (const what of [
    "JSON password",
    "URL password",
    "Hadoop S3 key",
    "metastore password",
    "Airflow password file",
  ]) {
    assert.ok(
      [...found.keys()].some((k) => k.includes(what)),
      what,
    );
  }
  const others = [...found].filter(([, value]) => !LOCAL_DEMO_DEFAULTS.has(value)).map(([where]) => where);
  assert.deepEqual(others, []);
});

test("docs/deploying.md shows the service's Dockerfile as it is", () => {
  const doc = readFileSync(join(ROOT, "docs/deploying.md"), "utf8");
  const shown = /```dockerfile\n(FROM node:[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(shown, "docs/deploying.md shows a Dockerfile on node");
  const instructions = readFileSync(join(ROOT, "Dockerfile"), "utf8").replace(/^#.*\n/gm, "");
  assert.equal(shown, instructions);
});
