import { Command, CommanderError } from "commander";
import { register as registerDemo } from "./commands/demo.ts";
import { register as registerGenerate } from "./commands/generate.ts";
import { register as registerPlan } from "./commands/plan.ts";
import { register as registerPublish } from "./commands/publish.ts";
import { register as registerRun } from "./commands/run.ts";
import { register as registerServe } from "./commands/serve.ts";
import { register as registerStatus } from "./commands/status.ts";
import { register as registerTrigger } from "./commands/trigger.ts";
import { register as registerValidate } from "./commands/validate.ts";

/*
 * The `smelter` command. Each subcommand lives in src/cli/commands/<name>.ts and exports register(program).
 * Exit codes: 0 success, 1 invalid spec or failed operation, 2 usage error.
 */

const program = new Command("smelter")
  .description("Declarative ingestion pipelines compiled to Apache Airflow DAGs")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerValidate(program);
registerGenerate(program);
registerPlan(program);
registerDemo(program);
registerServe(program);
registerPublish(program);
registerStatus(program);
registerRun(program);
registerTrigger(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`smelter: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
