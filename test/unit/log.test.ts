import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { parseTokens } from "../../src/config.ts";
import {
  environmentSecrets,
  knownSecrets,
  REDACTED,
  scrub,
  serviceLog,
  serviceLogOf,
} from "../../src/log.ts";
import { ExecutionLog } from "../../src/runtime/execution-log.ts";
import { rememberSecret, textScrubber } from "../../src/secrets.ts";
import type { ExecutionStore, LogLine } from "../../src/state/executions.ts";

function captured(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

test("a JSON line carries time, level, message and the bound context", () => {
  const out = captured();
  const log = serviceLog({ format: "json", level: "info" }, { destination: out.stream });
  log.child({ execution_id: "ex_1", pipeline: "shop", table: "orders", step: "bronze" }).warn("slow merge");
  log.debug("not at info level");
  const lines = out.text().trim().split("\n");
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!);
  assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(
    { ...line, time: undefined },
    {
      level: 40,
      time: undefined,
      execution_id: "ex_1",
      pipeline: "shop",
      table: "orders",
      step: "bronze",
      msg: "slow merge",
    },
  );
});

test("secret-bearing fields are redacted, at the top and one level down", () => {
  const out = captured();
  const log = serviceLog({ format: "json", level: "info" }, { destination: out.stream });
  log.info(
    {
      password: "p1-value",
      connection: { password: "p2-value", host: "db" },
      headers: { authorization: "Bearer t" },
    },
    "x",
  );
  const line = JSON.parse(out.text());
  assert.equal(line.password, REDACTED);
  assert.deepEqual(line.connection, { password: REDACTED, host: "db" });
  assert.equal(line.headers.authorization, REDACTED);
});

test("URL passwords and known secret values are removed from whatever a line says", () => {
  const secrets = ["tok-123456", 'q"uote-secret'];
  assert.equal(
    scrub('{"msg":"cannot reach postgres://smelter:hunter22@db:5432/wh with tok-123456"}', secrets),
    `{"msg":"cannot reach postgres://smelter:${REDACTED}@db:5432/wh with ${REDACTED}"}`,
  );
  const line = JSON.stringify({ msg: 'said q"uote-secret' });
  assert.equal(JSON.parse(scrub(line, secrets)).msg, `said ${REDACTED}`);
});

test("the service's secrets are its tokens, the Airflow password, webhook URLs, secret-named variables and URL passwords", () => {
  const secrets = knownSecrets(["api-token-1"], {
    SRC_PASSWORD: "pw-one-long",
    MY_TOKEN: "tok-two-long",
    SOURCE_URL: "mysql://u:pass%40word@h/db",
    PORT: "5432",
    // Too short to replace without garbling ordinary words.
    PG_PASSWORD: "smelter",
  });
  assert.deepEqual(
    new Set(secrets),
    new Set(["api-token-1", "pw-one-long", "tok-two-long", "pass%40word", "pass@word"]),
  );

  const out = captured();
  const config = {
    log: { format: "json" as const, level: "info" },
    tokens: parseTokens({ SMELTER_API_TOKENS: "ops:tok-abcdef" }),
    airflow: { url: "http://af", user: "admin", password: "af-secret-pw" },
    webhooks: [{ name: "ops", format: "slack" as const, url: "https://hooks.example/T1/B2/hook-tok" }],
  };
  const log = serviceLogOf(config, { WH_PASSWORD: "wh-pw-value" }, out.stream);
  log.error("leaked tok-abcdef, af-secret-pw, https://hooks.example/T1/B2/hook-tok and wh-pw-value");
  assert.equal(JSON.parse(out.text()).msg, `leaked ${REDACTED}, ${REDACTED}, ${REDACTED} and ${REDACTED}`);
});

test("a process with only the environment knows the secrets the service's settings give, and a bad setting is no error", () => {
  const env = {
    SMELTER_API_TOKENS: "ops:tok-abcdef:operate, reader:tok-ghijkl:read",
    SMELTER_AIRFLOW_URL: "http://af:8080",
    SMELTER_AIRFLOW_PASSWORD: "af-secret-pw",
    SMELTER_NOTIFY_WEBHOOKS: "ops:slack:env:OPS_HOOK",
    OPS_HOOK: "https://hooks.example/T1/B2/hook-tok",
    SRC_PASSWORD: "pw-one-long",
  };
  assert.deepEqual(
    new Set(environmentSecrets(env)),
    new Set([
      "tok-abcdef",
      "tok-ghijkl",
      "af-secret-pw",
      "https://hooks.example/T1/B2/hook-tok",
      "pw-one-long",
      // The variable's whole value, as its name says TOKEN.
      env.SMELTER_API_TOKENS,
    ]),
  );
  const broken = {
    ...env,
    SMELTER_NOTIFY_WEBHOOKS: "ops:carrier-pigeon:env:OPS_HOOK",
    SMELTER_AIRFLOW_URL: "::",
  };
  assert.deepEqual(
    new Set(environmentSecrets(broken)),
    new Set(["tok-abcdef", "tok-ghijkl", "af-secret-pw", "pw-one-long", env.SMELTER_API_TOKENS]),
  );
});

test("the pretty format writes one readable line per entry", () => {
  const out = captured();
  const log = serviceLog({ format: "pretty", level: "info" }, { destination: out.stream });
  log.child({ request_id: "r1" }).info({ status: 200 }, "GET /healthz 200");
  assert.match(out.text(), /^\d{4}-\d\d-\d\dT\S+Z INFO GET \/healthz 200 request_id=r1 status=200\n$/);
});

test("an execution's log lines lose known secrets, those read through spec references since, and URL passwords", async () => {
  const token = "tok-0123456789abcdef";
  const scrubText = textScrubber([token]);
  const readLater = "file-secret-a1b2c3d4";
  rememberSecret(readLater);
  assert.equal(
    scrubText(`connect mysql://reader:hunter22@db:3306/shop with ${token}, then ${readLater}`),
    `connect mysql://reader:${REDACTED}@db:3306/shop with ${REDACTED}, then ${REDACTED}`,
  );

  const stored: LogLine[] = [];
  const echoed: string[] = [];
  const store = { appendLogs: async (_id: string, lines: LogLine[]) => void stored.push(...lines) };
  const log = new ExecutionLog(
    store as unknown as ExecutionStore,
    "ex_1",
    1,
    (line) => echoed.push(line.message),
    scrubText,
  );
  log.error(`access denied for ${token}`);
  await log.flush();
  assert.deepEqual(
    [stored.map((l) => l.message), echoed],
    [[`access denied for ${REDACTED}`], [`access denied for ${REDACTED}`]],
  );
});
