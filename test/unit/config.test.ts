import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AllowedHosts, loadConfig } from "../../src/config.ts";

// The settings that bind specs registered over the API: SMELTER_SECRETS_DIR and SMELTER_ALLOWED_HOSTS.

const base = {
  SMELTER_STATE_URL: "postgres://u:secret@127.0.0.1:15432/smelter",
  SMELTER_API_TOKEN: "dev-token",
};
const root = realpathSync(mkdtempSync(join(tmpdir(), "smelter-config-")));
after(() => rmSync(root, { recursive: true, force: true }));

test("without either setting registered specs may read no secret file and connect to any host", () => {
  assert.deepEqual(loadConfig(base).registeredSpecs, { secretsDir: null, allowedHosts: null });
});

test("the secrets directory is kept as its real path, and must be an existing directory", () => {
  mkdirSync(join(root, "secrets"));
  symlinkSync(join(root, "secrets"), join(root, "secrets-link"));
  writeFileSync(join(root, "a-file"), "");
  const dir = (value: string) =>
    loadConfig({ ...base, SMELTER_SECRETS_DIR: value }).registeredSpecs.secretsDir;
  assert.equal(dir(join(root, "secrets-link")), join(root, "secrets"));
  assert.throws(
    () => dir(join(root, "missing")),
    /SMELTER_SECRETS_DIR=".*missing" is invalid: expected an existing directory \(ENOENT\)/,
  );
  assert.throws(
    () => dir(join(root, "a-file")),
    /SMELTER_SECRETS_DIR=".*a-file" is invalid: expected a directory/,
  );
});

test("the allow-list takes names, *.domain, IP addresses and CIDR ranges, and refuses anything else", () => {
  const hosts = loadConfig({
    ...base,
    SMELTER_ALLOWED_HOSTS: "db.internal, *.corp.example,192.0.2.7,10.0.0.0/8,fd00::/8",
  }).registeredSpecs.allowedHosts!;
  assert.deepEqual(hosts.entries, ["db.internal", "*.corp.example", "192.0.2.7", "10.0.0.0/8", "fd00::/8"]);
  for (const host of ["db.internal", "a.b.corp.example", "192.0.2.7", "10.200.0.1", "[fd00::1]"]) {
    assert.ok(hosts.allows(host), host);
  }
  for (const host of ["corp.example", "db.internal.evil", "192.0.2.8", "11.0.0.1", "::1", "localhost"]) {
    assert.ok(!hosts.allows(host), host);
  }
  for (const bad of ["http://db", "10.0.0.0/33", "*", "db internal", "a..b"]) {
    assert.throws(
      () => new AllowedHosts([bad]),
      new RegExp(`SMELTER_ALLOWED_HOSTS entry "${bad.replace(/[.*/]/g, "\\$&")}" is invalid`),
      bad,
    );
  }
});

test("the service logs JSON at info level unless SMELTER_LOG_FORMAT and SMELTER_LOG_LEVEL say otherwise", () => {
  assert.deepEqual(loadConfig(base).log, { format: "json", level: "info" });
  assert.deepEqual(loadConfig({ ...base, SMELTER_LOG_FORMAT: "pretty", SMELTER_LOG_LEVEL: "debug" }).log, {
    format: "pretty",
    level: "debug",
  });
  assert.throws(
    () => loadConfig({ ...base, SMELTER_LOG_FORMAT: "text" }),
    /SMELTER_LOG_FORMAT="text" is invalid: expected one of json, pretty/,
  );
  assert.throws(
    () => loadConfig({ ...base, SMELTER_LOG_LEVEL: "loud" }),
    /SMELTER_LOG_LEVEL="loud" is invalid/,
  );
});

test("a freshness reading is reused for a minute unless SMELTER_FRESHNESS_TTL_SECONDS says otherwise", () => {
  assert.equal(loadConfig(base).freshnessTtlSeconds, 60);
  assert.equal(loadConfig({ ...base, SMELTER_FRESHNESS_TTL_SECONDS: "15" }).freshnessTtlSeconds, 15);
  assert.throws(
    () => loadConfig({ ...base, SMELTER_FRESHNESS_TTL_SECONDS: "0" }),
    /SMELTER_FRESHNESS_TTL_SECONDS="0" is invalid: expected an integer between 1 and/,
  );
});

test("webhooks take their URL from a variable or a file, and errors never show the URL", () => {
  const file = join(root, "ops-webhook");
  writeFileSync(file, "https://hooks.example/services/T1/B2/file-token-123\n");
  const hooks = loadConfig({
    ...base,
    SMELTER_NOTIFY_WEBHOOKS: `ops:slack:env:OPS_HOOK, audit:json:file:${file}`,
    OPS_HOOK: "https://hooks.example/services/T1/B2/env-token-456",
  }).webhooks;
  assert.deepEqual(hooks, [
    { name: "ops", format: "slack", url: "https://hooks.example/services/T1/B2/env-token-456" },
    { name: "audit", format: "json", url: "https://hooks.example/services/T1/B2/file-token-123" },
  ]);
  assert.deepEqual(loadConfig(base).webhooks, []);
  const bad =
    (value: string, env: Record<string, string> = {}) =>
    () =>
      loadConfig({ ...base, SMELTER_NOTIFY_WEBHOOKS: value, ...env });
  assert.throws(
    bad("ops:teams:env:X"),
    /SMELTER_NOTIFY_WEBHOOKS entry 1 is invalid: expected name:format:env/,
  );
  assert.throws(bad("ops:slack:env:NOT_SET"), /webhook ops: environment variable NOT_SET is not set/);
  assert.throws(
    bad(`ops:json:file:${join(root, "none")}`),
    /webhook ops: file .*none cannot be read \(ENOENT\)/,
  );
  assert.throws(bad("ops:json:env:A,ops:json:env:A", { A: "https://x.example/" }), /names webhook ops twice/);
  const notUrl = bad("ops:json:env:A", { A: "hooks.example/secret-token-789" });
  assert.throws(notUrl, (error: Error) => {
    assert.match(error.message, /webhook ops: the URL in env A is not a valid URL/);
    assert.doesNotMatch(error.message, /secret-token-789/);
    return true;
  });
});

test("a webhook of the service may choose its events between its format and its URL reference", () => {
  const hooks = loadConfig({
    ...base,
    SMELTER_NOTIFY_WEBHOOKS:
      "pager:json:execution.failed+execution.recovered+freshness.error:env:PAGER_HOOK,all:slack:env:ALL_HOOK",
    PAGER_HOOK: "https://hooks.example/pager/token-1",
    ALL_HOOK: "https://hooks.example/all/token-2",
  }).webhooks;
  assert.deepEqual(hooks, [
    {
      name: "pager",
      format: "json",
      url: "https://hooks.example/pager/token-1",
      events: ["execution.failed", "execution.recovered", "freshness.error"],
    },
    { name: "all", format: "slack", url: "https://hooks.example/all/token-2" },
  ]);
  const bad = (value: string) => () =>
    loadConfig({ ...base, SMELTER_NOTIFY_WEBHOOKS: value, HOOK: "https://hooks.example/x" });
  assert.throws(
    bad("pager:json:execution.failed+freshness.late:env:HOOK"),
    /SMELTER_NOTIFY_WEBHOOKS webhook pager: unknown event "freshness.late": expected execution.failed, execution.recovered, freshness.warn, freshness.error, freshness.recovered, schema.changed/,
  );
  assert.throws(
    bad("pager:json:execution.recovered:env:HOOK"),
    /webhook pager: execution.recovered is sent only to webhooks that were told the incident: add execution.failed/,
  );
  assert.throws(bad("pager:json:failed:env:HOOK"), /SMELTER_NOTIFY_WEBHOOKS entry 1 is invalid/);
});
