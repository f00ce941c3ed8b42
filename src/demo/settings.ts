import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.ts";
import { DEFAULT_SEED } from "./dataset.ts";

/**
 * Settings of `smelter demo`. Each has a default that matches the local stack, an environment variable, and a
 * command-line flag; a flag beats the variable, the variable beats the default.
 */
export interface DemoSettings {
  /**
   * Pipeline spec to publish and run; default examples/social.yaml of this checkout, examples/social-delta.yaml
   * with the spark warehouse. [SMELTER_DEMO_SPEC]
   */
  specFile: string;
  /** Size factor of the seeded data; default 1 (about 320k rows). [SMELTER_DEMO_SCALE] */
  scale: number;
  /** PRNG seed of the data set; default "smelter-demo". [SMELTER_DEMO_SEED] */
  seed: string;
  /** Rounds of source changes, each followed by a run; default 1, 0 for none. [SMELTER_DEMO_ROUNDS] */
  rounds: number;
  /** Longest wait for one DAG run, in seconds; default 900. [SMELTER_DEMO_TIMEOUT] */
  runTimeoutSeconds: number;
  /** Reload the source even when the same seed is loaded; default false. */
  forceSeed: boolean;
  serviceUrl: string;
  apiToken: string;
  airflowUrl: string;
  airflowUser: string;
  airflowPassword: string;
}

export const DEFAULT_SPEC = fileURLToPath(new URL("../../examples/social.yaml", import.meta.url));

/** The demo's pipeline per warehouse kind: the same source, tables and models, written for that warehouse. */
export const DEMO_SPECS: Readonly<Record<string, string>> = {
  postgres: DEFAULT_SPEC,
  spark: fileURLToPath(new URL("../../examples/social-delta.yaml", import.meta.url)),
};

/**
 * The environment with the local stack's stack.env filled in underneath: variables already set win, so that
 * `smelter demo` works in a plain shell once `scripts/stack up` has run, and any value can still be overridden.
 */
export function withStackEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const file = `${env.SMELTER_STACK_DIR ?? "/var/tmp/smelter-stack"}/stack.env`;
  if (!existsSync(file)) return env;
  const merged: NodeJS.ProcessEnv = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) merged[m[1]] = m[2];
  }
  return { ...merged, ...env };
}

function positive(value: string, name: string, integer: boolean, zero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zero) || (integer && !Number.isInteger(n))) {
    const what = `${zero ? "non-negative" : "positive"} ${integer ? "integer" : "number"}`;
    throw new ConfigError(`${name}: expected a ${what}, got "${value}"`);
  }
  return n;
}

/** Flags as commander gives them (strings), all optional. */
export interface DemoFlags {
  spec?: string;
  scale?: string;
  seed?: string;
  rounds?: string;
  timeout?: string;
  forceSeed?: boolean;
  warehouse?: string;
}

export function demoSettings(flags: DemoFlags, env: NodeJS.ProcessEnv): DemoSettings {
  const pick = (flag: string | undefined, variable: string, fallback: string): [string, string] =>
    flag !== undefined
      ? [flag, "flag"]
      : env[variable]
        ? [env[variable] as string, variable]
        : [fallback, "default"];
  const [scale, scaleFrom] = pick(flags.scale, "SMELTER_DEMO_SCALE", "1");
  const [rounds, roundsFrom] = pick(flags.rounds, "SMELTER_DEMO_ROUNDS", "1");
  const [timeout, timeoutFrom] = pick(flags.timeout, "SMELTER_DEMO_TIMEOUT", "900");
  const [warehouse, warehouseFrom] = pick(flags.warehouse, "SMELTER_DEMO_WAREHOUSE", "postgres");
  const example = DEMO_SPECS[warehouse];
  if (!example) {
    throw new ConfigError(
      `warehouse (${warehouseFrom}): expected one of ${Object.keys(DEMO_SPECS).join(", ")}, got "${warehouse}"`,
    );
  }
  return {
    specFile: pick(flags.spec, "SMELTER_DEMO_SPEC", example)[0],
    scale: positive(scale, `scale (${scaleFrom})`, false),
    seed: pick(flags.seed, "SMELTER_DEMO_SEED", DEFAULT_SEED)[0],
    rounds: positive(rounds, `rounds (${roundsFrom})`, true, true),
    runTimeoutSeconds: positive(timeout, `timeout (${timeoutFrom})`, true),
    forceSeed: flags.forceSeed ?? false,
    serviceUrl: env.SMELTER_SERVICE_URL ?? `http://127.0.0.1:${env.SMELTER_PORT ?? "18300"}`,
    apiToken: env.SMELTER_API_TOKEN ?? "dev-token",
    airflowUrl: env.SMELTER_AIRFLOW_URL ?? "http://127.0.0.1:18080",
    airflowUser: env.SMELTER_AIRFLOW_USER ?? "admin",
    airflowPassword: env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
  };
}
