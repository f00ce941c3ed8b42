import { Writable } from "node:stream";
import pino from "pino";
import { airflowConfig, type LogSettings, parseTokens, parseWebhooks, type ServiceConfig } from "./config.ts";
import { addUrlPasswords, longestFirst, REDACTED, URL_PASSWORD, withRemembered } from "./secrets.ts";

/**
 * The service's log: one JSON object per line on stdout (pino), each with `time`, `level` and `msg`, and the
 * context known where it is written: `execution_id`, `pipeline`, `table`, `step` for execution lines,
 * `request_id` for requests, `job` for scheduled jobs. Command-line output for people does not go through it.
 */
export type ServiceLog = pino.Logger;

/** Field names whose values never reach a log line, at any depth pino's redaction reaches (top and one below). */
const SECRET_FIELDS = [
  "password",
  "token",
  "secret",
  "authorization",
  "cookie",
  "connectionString",
  "accessKeyId",
  "secretAccessKey",
  "sessionToken",
];
const REDACTED_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);

export { REDACTED };

/** Names of environment variables that hold secrets (a connection's `{ env: NAME }` reference, say). */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL/i;

/**
 * Values a log line must never show, as far as the service can know them at start: the given ones (API tokens,
 * the Airflow password, webhook URLs) and, from the environment, the values of secret-named variables and the
 * passwords of URLs. Values shorter than 8 characters are left out.
 */
export function knownSecrets(given: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const found = new Set(given);
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_NAME.test(name)) found.add(value);
    addUrlPasswords(value, found);
  }
  return longestFirst(found);
}

/**
 * Removes secrets from a written JSON line: URL passwords, and every known secret value as it appears inside a
 * JSON string. The last guard, after field redaction: a driver's message that quotes a connection URL, say.
 */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  for (const secret of secrets) {
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** A stream that turns pino's JSON lines into `time LEVEL message key=value…` lines on `out`. */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        const { time, level, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const fields = Object.entries(rest).map(
          ([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`,
        );
        out.write(
          `${String(time)} ${LEVELS[level as number] ?? level} ${msg ?? ""}${fields.length ? ` ${fields.join(" ")}` : ""}\n`,
        );
      }
      done();
    },
  });
}

/**
 * The service log. `destination` defaults to stdout; `secrets` are values to remove from every line (see
 * `knownSecrets`), and so is every secret remembered while it runs (`rememberSecret`).
 */
export function serviceLog(
  settings: LogSettings,
  options: { destination?: NodeJS.WritableStream; secrets?: readonly string[] } = {},
): ServiceLog {
  const secrets = withRemembered(options.secrets ?? []);
  const out = options.destination ?? process.stdout;
  return pino(
    {
      level: settings.level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      hooks: { streamWrite: (line) => scrub(line, secrets()) },
    },
    settings.format === "pretty" ? prettyStream(out) : (out as pino.DestinationStream),
  );
}

/**
 * Every secret a service configured by `config` knows of: API tokens, the Airflow password, webhook URLs,
 * secret-named environment variables, passwords in URLs. The log and notification bodies are scrubbed of them.
 */
export function serviceSecrets(
  config: Pick<ServiceConfig, "tokens" | "airflow"> & Partial<Pick<ServiceConfig, "webhooks">>,
  env: NodeJS.ProcessEnv,
): string[] {
  const given = [
    ...config.tokens.map((t) => t.token),
    ...(config.airflow ? [config.airflow.password] : []),
    ...(config.webhooks ?? []).map((w) => w.url),
  ];
  return knownSecrets(given, env);
}

/**
 * What `serviceSecrets` finds for a process that has only the environment (the command line): the API tokens,
 * the Airflow password and the webhook URLs the service's settings in `env` give, and the secret-named variables
 * and URL passwords. A setting that does not parse adds nothing of its own, and is no error: the command does not
 * use it (its variable's whole value is still a secret when the name says so).
 */
export function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  const settled = <T>(read: () => T, none: T): T => {
    try {
      return read();
    } catch {
      return none;
    }
  };
  return serviceSecrets(
    {
      tokens: settled(() => parseTokens(env), []),
      airflow: settled(() => airflowConfig(env), null),
      webhooks: settled(() => parseWebhooks(env), []),
    },
    env,
  );
}

/**
 * The log of a service configured by `config`: its format and level, and every secret it knows of
 * (`serviceSecrets`) removed from every line.
 */
export function serviceLogOf(
  config: Pick<ServiceConfig, "log" | "tokens" | "airflow"> & Partial<Pick<ServiceConfig, "webhooks">>,
  env: NodeJS.ProcessEnv,
  destination?: NodeJS.WritableStream,
): ServiceLog {
  return serviceLog(config.log, {
    secrets: serviceSecrets(config, env),
    ...(destination ? { destination } : {}),
  });
}

/** A `say` function (the message-only seam of jobs and shutdown) that writes to `log` at info level. */
export const sayTo =
  (log: ServiceLog) =>
  (message: string): void =>
    log.info(message);
