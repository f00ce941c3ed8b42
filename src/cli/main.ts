import { Command, CommanderError } from "commander";
import { VERSION } from "../version.ts";

/*
 * The `smelter` command. Exit codes: 0 success, 1 invalid spec or failed operation, 2 usage error.
 *
 * Each subcommand lives in src/cli/commands/<name>.ts and exports define(command), which adds its arguments,
 * options and action. Only the module of the command being run is imported: the others would load DuckDB, the AWS
 * SDK, database drivers and the web server, which is seconds of start-up for `smelter --help`.
 */

interface CommandModule {
  define(command: Command): void;
}

/** The commands by name: the summary `smelter --help` lists, and the module that defines the command. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  validate: {
    summary: "check pipeline specs and report every problem with file:line:column",
    load: () => import("./commands/validate.ts"),
  },
  generate: {
    summary: "compile pipeline specs into Airflow DAG files",
    load: () => import("./commands/generate.ts"),
  },
  plan: {
    summary: "show the DAGs, tasks and dependencies a spec compiles to",
    load: () => import("./commands/plan.ts"),
  },
  demo: {
    summary:
      "seed the demo source, publish examples/social.yaml, run it through Airflow, change the source, run again",
    load: () => import("./commands/demo.ts"),
  },
  serve: {
    summary: "run the smelter service (API, execution workers, scheduled jobs); settings from SMELTER_* env",
    load: () => import("./commands/serve.ts"),
  },
  publish: {
    summary: "publish a pipeline's DAG to Airflow and wait until Airflow has parsed it",
    load: () => import("./commands/publish.ts"),
  },
  status: {
    summary: "show the last Airflow runs of a pipeline and the state of each task",
    load: () => import("./commands/status.ts"),
  },
  run: {
    summary: "run one step of a pipeline for a table or source in this process (no service needed)",
    load: () => import("./commands/run.ts"),
  },
  trigger: {
    summary: "trigger a run of a pipeline's DAG in Airflow; with --wait, wait for it (exit 1 unless success)",
    load: () => import("./commands/trigger.ts"),
  },
  resync: action(
    "resync",
    "re-sync a table from the source; bronze converges, deletes included, and silver follows",
  ),
  backfill: action("backfill", "read a cursor or key range of a table again through bronze and silver"),
  "rebuild-silver": action("rebuild-silver", "rebuild a silver model from bronze's current rows"),
  watermark: action("watermark", "show, set or reset a table's extract watermark"),
  rerun: action("rerun", "re-run a failed or cancelled execution as a new execution"),
};

/** An operator action of src/cli/commands/actions.ts. */
function action(name: string, summary: string): { summary: string; load: () => Promise<CommandModule> } {
  return {
    summary,
    load: async () => {
      const define = (await import("./commands/actions.ts")).ACTIONS[name];
      if (!define) throw new Error(`no action command ${name}`);
      return { define };
    },
  };
}

/** The command the arguments ask for: the first word that is not an option (`help <command>` included). */
function requested(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

const program = new Command("smelter")
  .description("Declarative ingestion pipelines compiled to Apache Airflow DAGs")
  .version(VERSION)
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

const wanted = requested(process.argv.slice(2));
for (const [name, { summary, load }] of Object.entries(COMMANDS)) {
  const command = program.command(name).description(summary);
  if (name === wanted) (await load()).define(command);
}

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
