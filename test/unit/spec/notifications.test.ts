import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, test } from "node:test";
import { AllowedHosts, type RegisteredSpecRules } from "../../../src/config.ts";
import { serviceLog } from "../../../src/log.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { formatProblem, SpecErrors } from "../../../src/spec/problems.ts";
import {
  confine,
  confinementProblems,
  resolveDatabase,
  resolveWebhookUrl,
} from "../../../src/spec/resolve.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { NOTIFICATION_EVENTS } from "../../../src/webhooks.ts";

// The spec's `notifications`: webhooks of one pipeline, their URL a secret reference read when a message is sent.

const BASE = `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: SHOP_PW } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables:
  - { name: orders, primary_key: [id], cursor: [updated_at] }
  - { name: items, primary_key: [id], cursor: [updated_at] }
silver:
  - { name: orders_flat, from: orders, include_all: true }
`;

const load = (notifications: string): PipelineSpec =>
  parsePipeline(`${BASE}notifications:\n${notifications}`, "shop.yaml").spec;

/** The formatted problems of a spec that must fail. */
function problems(notifications: string): string[] {
  try {
    load(notifications);
  } catch (error) {
    assert.ok(error instanceof SpecErrors, String(error));
    return error.problems.map(formatProblem);
  }
  assert.fail("the spec loaded without problems");
}

describe("loading notifications", () => {
  test("a webhook receives every event of every table and model unless it chooses", () => {
    const spec = load(`  data-team: { format: slack, url: { env: TEAM_HOOK } }
  oncall:
    format: json
    url: { file: /run/secrets/oncall_hook }
    events: [execution.failed, execution.recovered]
    tables: [orders]
`);
    assert.deepEqual(spec.notifications, [
      {
        name: "data-team",
        format: "slack",
        url: { env: "TEAM_HOOK" },
        events: [...NOTIFICATION_EVENTS],
        only: null,
      },
      {
        name: "oncall",
        format: "json",
        url: { file: "/run/secrets/oncall_hook" },
        events: ["execution.failed", "execution.recovered"],
        only: { tables: ["orders"], models: [] },
      },
    ]);
  });

  test("without the section a pipeline has no webhooks of its own", () => {
    assert.deepEqual(parsePipeline(BASE, "shop.yaml").spec.notifications, []);
  });

  test("the URL must be a secret reference, never written inline", () => {
    assert.deepEqual(problems("  chat: { format: slack, url: https://hooks.example/T1/secret-token }\n"), [
      "shop.yaml:15:31 notifications.chat.url: must be a secret reference {env: VARIABLE} or {file: /absolute/path}; secrets are never written inline",
    ]);
  });

  test("formats, event names and webhook names are checked by the schema", () => {
    assert.deepEqual(
      problems(`  chat: { format: teams, url: { env: X } }
  pager: { format: json, url: { env: X }, events: [execution.failed, freshness.late] }
  Bad Name: { format: json, url: { env: X } }
  plain: { format: json, url: { env: X }, channel: ops }
`),
      [
        'shop.yaml:15:19 notifications.chat.format: must be one of: "slack", "json"',
        'shop.yaml:16:70 notifications.pager.events[1]: must be one of: "execution.failed", "execution.recovered", "freshness.warn", "freshness.error", "freshness.recovered", "schema.changed"',
        'shop.yaml:17:3 notifications["Bad Name"]: is not an allowed name: must be a webhook name (1 to 63 lower-case letters, digits, _ and -)',
        'shop.yaml:18:43 notifications.plain.channel: unknown property "channel"',
      ],
    );
  });

  test("tables and models must be those of the spec, each where it belongs", () => {
    assert.deepEqual(
      problems(`  team-a:
    format: json
    url: { env: X }
    tables: [orders_flat, invoices]
    models: [items]
  team-b: { format: json, url: { env: X }, tables: [], models: [] }
`),
      [
        'shop.yaml:18:14 notifications["team-a"].tables[0]: unknown table "orders_flat" (tables: orders, items); "orders_flat" is a silver model: list it under models',
        'shop.yaml:18:27 notifications["team-a"].tables[1]: unknown table "invoices" (tables: orders, items)',
        'shop.yaml:19:14 notifications["team-a"].models[0]: unknown silver model "items" (silver models: orders_flat); "items" is a table: list it under tables',
        'shop.yaml:20:11 notifications["team-b"]: lists no table and no model: it would receive nothing; remove tables and models to receive every event',
      ],
    );
  });

  test("a recovery is not chosen without an alert it recovers from", () => {
    assert.deepEqual(
      problems(`  a: { format: json, url: { env: X }, events: [execution.recovered, freshness.warn] }
  b: { format: json, url: { env: X }, events: [freshness.recovered, schema.changed] }
  c: { format: json, url: { env: X }, events: [freshness.error, freshness.recovered] }
`),
      [
        "shop.yaml:15:47 notifications.a.events: execution.recovered is sent only to webhooks that were told the incident: add execution.failed",
        "shop.yaml:16:47 notifications.b.events: freshness.recovered is sent only to webhooks that were told the incident: add freshness.warn or freshness.error",
      ],
    );
  });
});

describe("a webhook's URL", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "smelter-hooks-")));
  after(() => rmSync(root, { recursive: true, force: true }));
  const secrets = join(root, "secrets");
  mkdirSync(secrets);
  mkdirSync(join(root, "outside"));
  writeFileSync(join(secrets, "hook"), "https://hooks.example/services/T1/B2/file-token-5d1e\n");
  writeFileSync(join(root, "operator-hook"), "https://hooks.example/services/T1/B2/operator-token-77\n");
  execFileSync("mkfifo", [join(root, "outside", "shadow")]);
  const rules: RegisteredSpecRules = { secretsDir: secrets, allowedHosts: null };
  const withUrl = (ref: string) => load(`  chat: { format: slack, url: ${ref} }\n`);
  const url = (spec: PipelineSpec, env: NodeJS.ProcessEnv = {}) =>
    resolveWebhookUrl(spec, spec.notifications[0]!, env);

  test("is read from its variable or file, a trailing newline dropped", () => {
    const env = { CHAT_HOOK: "https://hooks.example/services/T1/B2/env-token-3a" };
    assert.equal(url(withUrl("{ env: CHAT_HOOK }"), env), env.CHAT_HOOK);
    assert.equal(
      url(withUrl(`{ file: ${join(root, "operator-hook")} }`)),
      "https://hooks.example/services/T1/B2/operator-token-77",
    );
  });

  test("errors name the spec path and the reference, never the value", () => {
    const spec = withUrl("{ env: CHAT_HOOK }");
    assert.throws(
      () => url(spec),
      /^ConfigError: notifications\.chat\.url: environment variable CHAT_HOOK is not set$/,
    );
    for (const [value, why] of [
      ["hooks.example/services/T1/B2/value-token-91", "is not a valid URL"],
      ["ftp://hooks.example/services/T1/B2/value-token-91", "is not an http(s) URL"],
    ] as const) {
      assert.throws(
        () => url(spec, { CHAT_HOOK: value }),
        (error: Error) => {
          assert.equal(
            error.message,
            `notifications.chat.url: the value of environment variable CHAT_HOOK ${why} (value not shown)`,
          );
          return true;
        },
      );
    }
    assert.throws(
      () => url(withUrl(`{ file: ${join(root, "missing")} }`)),
      /^ConfigError: notifications\.chat\.url: secret file .*\/missing cannot be read \(ENOENT\)$/,
    );
  });

  test("of a spec registered over the API comes only from the secrets directory and allowed hosts", () => {
    assert.equal(
      url(confine(withUrl(`{ file: ${join(secrets, "hook")} }`), rules)),
      "https://hooks.example/services/T1/B2/file-token-5d1e",
    );
    const outside = confine(withUrl(`{ file: ${join(root, "outside", "shadow")} }`), rules);
    assert.throws(
      () => url(outside),
      /notifications\.chat\.url: secret file .*shadow is outside the secrets directory .*; nothing was read/,
    );
    assert.deepEqual(
      confinementProblems(outside, rules).map((p) => p.replaceAll(root, "<root>")),
      [
        "notifications.chat.url: secret file <root>/outside/shadow is outside the secrets directory <root>/secrets",
      ],
    );
    const limited = { secretsDir: secrets, allowedHosts: new AllowedHosts(["hooks.internal"]) };
    const elsewhere = confine(withUrl("{ env: CHAT_HOOK }"), limited);
    assert.throws(
      () => url(elsewhere, { CHAT_HOOK: "https://collector.evil.example/hook/token-0a9b" }),
      (error: Error) => {
        assert.match(
          error.message,
          /^notifications\.chat\.url: host collector\.evil\.example is not one specs registered over the API may connect to/,
        );
        assert.doesNotMatch(error.message, /token-0a9b/);
        return true;
      },
    );
    assert.equal(
      url(elsewhere, { CHAT_HOOK: "https://hooks.internal/x/token" }),
      "https://hooks.internal/x/token",
    );
  });
});

test("secrets read through a spec's references, files included, are scrubbed from the service log", (t) => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "smelter-scrub-")));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const passwordFile = join(root, "db-password");
  const hookFile = join(root, "hook");
  writeFileSync(passwordFile, "file-pw-6c2d9e\n");
  writeFileSync(hookFile, "https://hooks.example/services/T9/B9/hook-token-4e7f\n");
  const spec = parsePipeline(
    BASE.replace("password: { env: SHOP_PW }", `password: { file: ${passwordFile} }`).concat(
      `notifications:\n  chat: { format: slack, url: { file: ${hookFile} } }\n`,
    ),
    "shop.yaml",
  ).spec;
  const lines: string[] = [];
  const log = serviceLog(
    { format: "json", level: "info" },
    {
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString("utf8"));
          done();
        },
      }),
    },
  );
  // Read after the log was made: what the process learns later is scrubbed too.
  const password = resolveDatabase(spec, "shop_db", {}).password;
  const hook = resolveWebhookUrl(spec, spec.notifications[0]!, {});
  log.error(`cannot connect with ${password}; told ${hook}`);
  assert.equal(JSON.parse(lines.join("")).msg, "cannot connect with [redacted]; told [redacted]");
});
