import { userInfo } from "node:os";
import type { Command } from "commander";
import type { BackfillRange } from "../../contracts/step.ts";
import { ConfigError } from "../../errors.ts";
import { runTask } from "../../executors/index.ts";
import { environmentSecrets } from "../../log.ts";
import { loadPipeline } from "../../registry.ts";
import {
  type Action,
  type ActionDeps,
  type ActionOutcome,
  type Actor,
  parseValues,
  rerunExecution,
  runActionHere,
  setWatermark,
} from "../../runtime/actions.ts";
import { describeAction } from "../../runtime/describe.ts";
import { standaloneState } from "../../runtime/standalone.ts";
import type { LoadedPipeline } from "../../spec/types.ts";
import { AuditStore } from "../../state/audit.ts";
import { ExecutionStore } from "../../state/executions.ts";
import { cliContext, runInProcess } from "../context.ts";

/*
 * The recovery actions on the command line: `resync`, `backfill`, `watermark`, `rebuild-silver` and `rerun`. Each
 * says exactly what it does, is recorded in the state database's audit trail as `cli:<user>`, and never runs
 * beside a step of the same table: a re-sync, backfill or rebuild runs in this process under the service's locks
 * and is refused while one is held; a watermark is set under the table's extract lock; a re-run queues a new
 * execution for the service. All need SMELTER_STATE_URL.
 */

/** The state database, its stores and the actor of this command line; closed by `close`. */
function cliDeps(): ActionDeps & { actor: Actor; close: () => Promise<void> } {
  const state = standaloneState(process.env, "smelter cli");
  if (!state.pool)
    throw new ConfigError(
      "SMELTER_STATE_URL is not set: actions are locked and audited in the state database",
    );
  const store = new ExecutionStore(state.pool);
  return {
    pool: state.pool,
    store,
    audit: new AuditStore(state.pool),
    watermarks: state.watermarks,
    env: process.env,
    maxQueue: Number(process.env.SMELTER_MAX_QUEUE ?? 100),
    secrets: environmentSecrets(process.env),
    actor: { name: `cli:${userInfo().username}`, via: "cli" },
    close: async () => {
      await store.events.close();
      await state.close();
    },
  };
}

/** Runs a re-sync, backfill or rebuild here: prints what it does, the log, and the metrics at the end. */
async function runHere(pipeline: LoadedPipeline, action: Action): Promise<void> {
  const deps = cliDeps();
  await runInProcess(async (log, signal) => {
    log.info(describeAction(pipeline.spec, action));
    const { metrics } = await runActionHere(deps, pipeline, action, deps.actor, (request) =>
      runTask(request, cliContext(pipeline, log, signal, deps.watermarks)),
    );
    return metrics;
  }, deps.close);
}

/** Prints an outcome of the service-side actions; a refusal exits 1. */
function report(outcome: ActionOutcome): void {
  if (outcome.status === "refused") {
    process.stderr.write(`refused: ${outcome.message}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${outcome.message}\n`);
}

/** The operator actions, by command name: each defines its command's arguments, options and action. */
export const ACTIONS: Record<string, (command: Command) => void> = {
  resync: (command) => {
    command
      .description(
        "re-sync a table: reload it from the source in chunks with its key set; bronze converges (deletes included) and silver follows",
      )
      .argument("<spec>", "pipeline YAML file")
      .requiredOption("--table <name>", "table to re-sync")
      .action(async (file: string, o: { table: string }) => {
        await runHere(await loadPipeline(file), { kind: "resync", table: o.table });
      });
  },
  backfill: (command) => {
    command
      .description(
        "read a cursor (or key) range [from, to) of a table again, through bronze and silver; the watermark stays",
      )
      .argument("<spec>", "pipeline YAML file")
      .requiredOption("--table <name>", "table to backfill")
      .option("--from <value>", "inclusive start: a value, or a JSON array for several columns")
      .option("--to <value>", "exclusive end: a value, or a JSON array for several columns")
      .option("--by <what>", "compare the cursor or the primary key", "cursor")
      .action(async (file: string, o: { table: string; from?: string; to?: string; by: string }) => {
        if (o.by !== "cursor" && o.by !== "key")
          throw new ConfigError(`--by ${o.by}: expected cursor or key`);
        const range: BackfillRange = {
          by: o.by,
          from: parseValues(o.from, "--from"),
          to: parseValues(o.to, "--to"),
        };
        await runHere(await loadPipeline(file), { kind: "backfill", table: o.table, range });
      });
  },
  "rebuild-silver": (command) => {
    command
      .description("rebuild a silver model from bronze's current rows, in one transaction")
      .argument("<spec>", "pipeline YAML file")
      .requiredOption("--model <name>", "silver model to rebuild")
      .action(async (file: string, o: { model: string }) => {
        await runHere(await loadPipeline(file), { kind: "rebuild_silver", model: o.model });
      });
  },
  watermark: (command) => {
    command
      .description("show, set (--set) or reset (--reset) a table's extract watermark")
      .argument("<spec>", "pipeline YAML file")
      .requiredOption("--table <name>", "table")
      .option("--set <value>", "new watermark: a value, or a JSON array for several cursor columns")
      .option("--reset", "forget the watermark: the next extract loads the whole table again in chunks")
      .action(async (file: string, o: { table: string; set?: string; reset?: boolean }) => {
        const pipeline = await loadPipeline(file);
        if (o.set !== undefined && o.reset) throw new ConfigError("give --set or --reset, not both");
        const deps = cliDeps();
        try {
          if (o.set === undefined && !o.reset) {
            const state = await deps.watermarks.read(pipeline.spec.name, o.table);
            process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
            return;
          }
          const action: Action =
            o.set !== undefined
              ? { kind: "set_watermark", table: o.table, watermark: parseValues(o.set, "--set") ?? [] }
              : { kind: "reset_watermark", table: o.table };
          process.stdout.write(`${describeAction(pipeline.spec, action)}\n`);
          report(await setWatermark(deps, pipeline, action, deps.actor));
        } finally {
          await deps.close();
        }
      });
  },
  rerun: (command) => {
    command
      .description(
        "re-run a failed or cancelled execution of the service as a new execution (the old one is kept)",
      )
      .argument("<execution>", "execution id (ex_...)")
      .action(async (id: string) => {
        const deps = cliDeps();
        try {
          report(await rerunExecution(deps, id, deps.actor));
        } finally {
          await deps.close();
        }
      });
  },
};
