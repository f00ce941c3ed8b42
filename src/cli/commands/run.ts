import type { Command } from "commander";
import type pg from "pg";
import { STEPS, type Step, type TaskRequest } from "../../contracts/step.ts";
import { BusyError, ConfigError } from "../../errors.ts";
import { runTask } from "../../executors/index.ts";
import { loadPipeline } from "../../registry.ts";
import { lockKeys, tryLockAll, unlockAll } from "../../runtime/locks.ts";
import { standaloneState } from "../../runtime/standalone.ts";
import { missingTarget } from "../../spec/lookup.ts";
import type { LoadedPipeline } from "../../spec/types.ts";
import { cliContext, runInProcess } from "../context.ts";

/** The task request the options describe, checked against the spec (exactly one of table / source). */
export function requestFrom(
  pipeline: LoadedPipeline,
  o: { step: string; table?: string; source?: string; downstream?: boolean },
): TaskRequest {
  const spec = pipeline.spec;
  if (!(STEPS as readonly string[]).includes(o.step)) {
    throw new ConfigError(`--step ${o.step} is not a step: expected ${STEPS.join(", ")}`);
  }
  const step = o.step as Step;
  if ((o.table === undefined) === (o.source === undefined)) {
    throw new ConfigError("give exactly one of --table and --source");
  }
  const request: TaskRequest =
    o.source !== undefined
      ? { pipeline: spec.name, step, source: o.source }
      : { pipeline: spec.name, step, table: o.table! };
  if (o.downstream) {
    if (step === "silver") throw new ConfigError("--downstream: silver has no later step");
    request.downstream = true;
  }
  const missing = missingTarget(spec, request);
  if (missing) throw new ConfigError(`${missing.message} (${pipeline.file})`);
  return request;
}

/**
 * Takes the service's advisory locks of the request's tables on the state database, so that a run from the
 * command line never works on a table an execution of the service is working on (and the other way round).
 */
async function lockTables(
  pool: pg.Pool,
  pipeline: LoadedPipeline,
  request: TaskRequest,
): Promise<() => Promise<void>> {
  const keys = lockKeys(pipeline.spec, request);
  const client = await pool.connect();
  let locked = false;
  try {
    locked = await tryLockAll(client, keys);
  } finally {
    if (!locked) client.release();
  }
  if (!locked) {
    throw new BusyError(
      `${request.step} of ${request.table ?? `source ${request.source}`} in pipeline ${request.pipeline} is running elsewhere (the service); retry once it has finished`,
    );
  }
  return async () => {
    await unlockAll(client, keys).catch(() => undefined);
    client.release();
  };
}

/**
 * `smelter run <spec> --step S (--table T | --source S) [--downstream]`: runs one execution in this process, without the
 * service: log lines to stdout, metrics at the end; exit 1 with the error's type, message and retryability.
 */
export function define(command: Command): void {
  command
    .argument("<spec>", "pipeline YAML file")
    .requiredOption("--step <step>", "extract, bronze or silver")
    .option("--table <name>", "table (silver: model) to run")
    .option("--source <name>", "run every table of this source connection")
    .option(
      "--downstream",
      "then the later steps of each table (bronze, its silver models), a table's as soon as its step ended",
    )
    .action(
      async (file: string, o: { step: string; table?: string; source?: string; downstream?: boolean }) => {
        const pipeline = await loadPipeline(file);
        const request = requestFrom(pipeline, o);
        const state = standaloneState(process.env);
        const unlock = state.pool ? await lockTables(state.pool, pipeline, request) : undefined;
        await runInProcess(
          (log, signal) => runTask(request, cliContext(pipeline, log, signal, state.watermarks)),
          async () => {
            await unlock?.();
            await state.close();
          },
        );
      },
    );
}
