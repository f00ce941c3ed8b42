import type { Command } from "commander";
import { changeStep, countsStep, runDemo, seedStep } from "../../demo/run.ts";
import { type DemoFlags, demoSettings, withStackEnv } from "../../demo/settings.ts";
import { loadPipeline } from "../../registry.ts";

const STEPS = ["all", "seed", "change", "counts"] as const;

/**
 * `smelter demo [step]`: the end-to-end demo against the local stack (`all`, the default), or one of its steps:
 * `seed` the MariaDB source, apply the next round of source `change`s, print row `counts` per layer.
 */
export function define(command: Command): void {
  command
    .argument("[step]", `one of ${STEPS.join(", ")}`, "all")
    .option(
      "--spec <file>",
      "pipeline spec to publish and run [SMELTER_DEMO_SPEC] (default: examples/social.yaml)",
    )
    .option(
      "--warehouse <kind>",
      "run the demo's pipeline on this warehouse: postgres, or spark (Delta Lake) [SMELTER_DEMO_WAREHOUSE] (default: postgres)",
    )
    .option(
      "--scale <factor>",
      "size of the seeded data; 1 is about 320k rows [SMELTER_DEMO_SCALE] (default: 1)",
    )
    .option(
      "--seed <text>",
      "seed of the deterministic data generator [SMELTER_DEMO_SEED] (default: smelter-demo)",
    )
    .option(
      "--rounds <n>",
      "rounds of source changes, each followed by a run [SMELTER_DEMO_ROUNDS] (default: 1)",
    )
    .option("--timeout <seconds>", "longest wait for one DAG run [SMELTER_DEMO_TIMEOUT] (default: 900)")
    .option("--round <n>", "with `change`: the round to apply (default: the next one)")
    .option("--force-seed", "reload the source even when the same seed is already loaded")
    .action(async (step: string, flags: DemoFlags & { round?: string }) => {
      if (!(STEPS as readonly string[]).includes(step)) {
        command.error(`demo step must be one of ${STEPS.join(", ")}, got "${step}"`, { exitCode: 2 });
      }
      const env = withStackEnv(process.env);
      const settings = demoSettings(flags, env);
      const write = (line: string) => process.stdout.write(`${line}\n`);
      switch (step) {
        case "seed":
          await seedStep(settings, env, write);
          return;
        case "change": {
          const round = flags.round === undefined ? undefined : Number(flags.round);
          if (round !== undefined && !(Number.isInteger(round) && round > 0)) {
            command.error(`--round must be a positive integer, got "${flags.round}"`, { exitCode: 2 });
          }
          return changeStep(env, write, round);
        }
        case "counts":
          await countsStep(await loadPipeline(settings.specFile), env, write);
          return;
        default:
          return runDemo(settings, env, write);
      }
    });
}
