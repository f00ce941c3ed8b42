import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import pg from "pg";
import { BusyError, ConfigError, toErrorInfo } from "../../errors.ts";
import { runTask } from "../../executors/index.ts";
import { unitsOf } from "../../executors/runner.ts";
import type { Step, StepMetrics, TaskRequest } from "../../executors/types.ts";
import { loadPipeline } from "../../registry.ts";
import type { LoadedPipeline } from "../../spec/types.ts";
import { toWireMetrics } from "../../state/execution-log.ts";
import { lockKey } from "../../state/worker.ts";

const STEPS: readonly Step[] = ["extract", "bronze", "silver"];

/** The task request the options describe, checked against the spec (exactly one of table / source). */
export function requestFrom(
  pipeline: LoadedPipeline,
  o: { step: string; table?: string; source?: string },
): TaskRequest {
  const spec = pipeline.spec;
  if (!(STEPS as readonly string[]).includes(o.step)) {
    throw new ConfigError(`--step ${o.step} is not a step: expected ${STEPS.join(", ")}`);
  }
  const step = o.step as Step;
  if ((o.table === undefined) === (o.source === undefined)) {
    throw new ConfigError("give exactly one of --table and --source");
  }
  if (o.source !== undefined) {
    if (!spec.tables.some((t) => t.source === o.source)) {
      throw new ConfigError(
        `pipeline ${spec.name} (${pipeline.file}) has no table read from source ${o.source}`,
      );
    }
    return { pipeline: spec.name, step, source: o.source };
  }
  const names = step === "silver" ? spec.silver.map((m) => m.name) : spec.tables.map((t) => t.name);
  if (!names.includes(o.table!)) {
    const kind = step === "silver" ? "silver model" : "table";
    throw new ConfigError(
      `pipeline ${spec.name} (${pipeline.file}) has no ${kind} ${o.table} (it has ${names.join(", ") || "none"})`,
    );
  }
  return { pipeline: spec.name, step, table: o.table! };
}

/**
 * Takes the service's advisory locks of the request's tables on the state database, so that a run from the
 * command line never works on a table an execution of the service is working on (and the other way round).
 */
async function lockTables(url: string, pipeline: LoadedPipeline, request: TaskRequest): Promise<pg.Client> {
  const keys = [
    ...new Set(unitsOf(pipeline.spec, request).map((t) => lockKey(request.pipeline, request.step, t))),
  ];
  const client = new pg.Client({ connectionString: url, application_name: "smelter run" });
  await client.connect();
  for (const key of keys.sort()) {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
      key,
    ]);
    if (!rows[0]?.ok) {
      await client.end();
      throw new BusyError(
        `${request.step} of ${request.table ?? `source ${request.source}`} in pipeline ${request.pipeline} is running elsewhere (the service); retry once it has finished`,
      );
    }
  }
  return client;
}

/**
 * `smelter run <spec> --step S (--table T | --source S)`: runs one execution in this process, without the
 * service: log lines to stdout, metrics at the end; exit 1 with the error's type, message and retryability.
 */
export function register(program: Command): void {
  program
    .command("run")
    .description("run one step of a pipeline for a table or source in this process (no service needed)")
    .argument("<spec>", "pipeline YAML file")
    .requiredOption("--step <step>", "extract, bronze or silver")
    .option("--table <name>", "table (silver: model) to run")
    .option("--source <name>", "run every table of this source connection")
    .action(async (file: string, o: { step: string; table?: string; source?: string }) => {
      const pipeline = await loadPipeline(file);
      const request = requestFrom(pipeline, o);
      const out = (level: string) => (message: string) =>
        process.stdout.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
      const log = { info: out("info"), warn: out("warn"), error: out("error") };
      const controller = new AbortController();
      const stop = () => {
        log.warn("interrupted: stopping at the next safe point");
        controller.abort();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const stateUrl = process.env.SMELTER_STATE_URL;
      const locks = stateUrl ? await lockTables(stateUrl, pipeline, request) : undefined;
      const started = Date.now();
      let metrics: StepMetrics;
      try {
        metrics = await runTask(request, {
          executionId: `cli_${randomBytes(6).toString("hex")}`,
          pipeline,
          log,
          signal: controller.signal,
          env: process.env,
        });
      } catch (error) {
        const info = toErrorInfo(error);
        process.stderr.write(
          `failed: ${info.type}: ${info.message} (${info.retryable ? "retryable" : "not retryable"})\n`,
        );
        process.exitCode = 1;
        return;
      } finally {
        await locks?.end();
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      process.stdout.write("metrics:\n");
      for (const [key, value] of Object.entries(toWireMetrics(metrics, Date.now() - started))) {
        process.stdout.write(`  ${key}: ${JSON.stringify(value)}\n`);
      }
    });
}
