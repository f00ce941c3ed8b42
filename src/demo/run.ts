import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { AirflowClient } from "../airflow/client.ts";
import { DataError } from "../errors.ts";
import { loadPipeline } from "../registry.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import { applyChanges, nextRound } from "./changes.ts";
import { countLayers, type PipelineCounts } from "./counts.ts";
import { followRun, runUrl } from "./follow.ts";
import { formatChanges, formatCounts } from "./report.ts";
import { seedDemo } from "./seed.ts";
import { DemoService, runStartedByUnpause } from "./service.ts";
import type { DemoSettings } from "./settings.ts";
import { connectDemoSource, demoSourceUrl, describeUrl } from "./source.ts";

/**
 * The demo from start to end, against a running stack and service: seed the source, publish the example
 * pipeline, run it through Airflow while showing each task's progress, print rows per layer, then apply rounds
 * of source changes and run again, showing what each incremental run moved. Safe to repeat: an identical seed is
 * not reloaded, publishing an unchanged spec changes nothing, and every repetition applies the next round.
 */

export type Write = (line: string) => void;

/** Loads the same seed only once; reports what it did and returns whether it loaded the source. */
export async function seedStep(
  settings: DemoSettings,
  env: NodeJS.ProcessEnv,
  write: Write,
): Promise<boolean> {
  const url = demoSourceUrl(env);
  write(`==> seeding MariaDB ${describeUrl(url)} (seed "${settings.seed}", scale ${settings.scale})`);
  const conn = await connectDemoSource(url);
  try {
    const result = await seedDemo(conn, {
      seed: settings.seed,
      scale: settings.scale,
      force: settings.forceSeed,
      log: (m) => write(`    ${m}`),
    });
    if (!result.skipped) write(`    seeded in ${(result.durationMs / 1000).toFixed(1)}s`);
    return !result.skipped;
  } finally {
    await conn.end();
  }
}

/** Applies one round of source changes (the next one unless `round` is given) and prints its summary. */
export async function changeStep(env: NodeJS.ProcessEnv, write: Write, round?: number): Promise<void> {
  const conn = await connectDemoSource(demoSourceUrl(env));
  try {
    const n = round ?? (await nextRound(conn));
    const summary = await applyChanges(conn, n);
    write(`==> source changes, round ${n}${summary.alreadyApplied ? " (applied before; unchanged)" : ""}`);
    for (const line of formatChanges(summary)) write(line);
  } finally {
    await conn.end();
  }
}

/** Prints rows per layer and returns them (for the deltas of the next print). */
export async function countsStep(
  pipeline: LoadedPipeline,
  env: NodeJS.ProcessEnv,
  write: Write,
  before?: PipelineCounts,
): Promise<PipelineCounts> {
  const counts = await countLayers(pipeline.spec, env);
  for (const line of formatCounts(counts, before)) write(line);
  return counts;
}

async function runOnce(
  pipeline: LoadedPipeline,
  settings: DemoSettings,
  service: DemoService,
  airflow: AirflowClient,
  write: Write,
  started?: { dagId: string; runId: string },
): Promise<void> {
  const run = started ?? (await service.trigger(pipeline.spec.name));
  const how = started ? "started by unpausing the scheduled DAG" : "triggered";
  write(
    `==> run ${run.runId} of ${run.dagId}, ${how} (${runUrl(settings.airflowUrl, run.dagId, run.runId)})`,
  );
  const result = await followRun(airflow, settings.airflowUrl, run.dagId, run.runId, {
    timeoutMs: settings.runTimeoutSeconds * 1000,
    write,
  });
  if (result.state !== "success") {
    const failed = result.tasks.filter((t) => t.state === "failed" || t.state === "upstream_failed");
    throw new DataError(
      `DAG run ${run.dagId}/${run.runId} ended ${result.state}` +
        (failed.length > 0 ? ` (failed: ${failed.map((t) => t.task_id).join(", ")})` : "") +
        `; the task logs are at ${runUrl(settings.airflowUrl, run.dagId, run.runId)}`,
    );
  }
}

/** How long the demo looks for the run that unpausing its scheduled DAG started. */
const SCHEDULED_RUN_WAIT_MS = 20_000;

/**
 * The run Airflow started when publishing unpaused the pipeline's scheduled DAG, if one appears within
 * `SCHEDULED_RUN_WAIT_MS`: the demo follows it rather than triggering a second run beside it. None appears when the
 * DAG was unpaused already (a demo run before), and the demo triggers its own.
 */
async function scheduledRun(
  service: DemoService,
  name: string,
  since: Date,
): Promise<{ dagId: string; runId: string } | undefined> {
  const dagId = `smelter__${name}`;
  const deadline = Date.now() + SCHEDULED_RUN_WAIT_MS;
  for (;;) {
    const run = runStartedByUnpause(await service.runs(name), dagId, since);
    if (run) return { dagId, runId: run.run_id };
    if (Date.now() > deadline) return undefined;
    await sleep(1000);
  }
}

/** The whole demo. */
export async function runDemo(settings: DemoSettings, env: NodeJS.ProcessEnv, write: Write): Promise<void> {
  const pipeline = await loadPipeline(settings.specFile);
  const name = pipeline.spec.name;
  const service = new DemoService(settings.serviceUrl, settings.apiToken);
  const airflow = new AirflowClient({
    url: settings.airflowUrl,
    user: settings.airflowUser,
    password: settings.airflowPassword,
  });

  const reloaded = await seedStep(settings, env, write);

  write(`==> publishing ${settings.specFile} as pipeline "${name}"`);
  const published = new Date();
  if (await service.ensurePipeline(name, await readFile(settings.specFile, "utf8"), pipeline.hash)) {
    write(`    registered with the service at ${settings.serviceUrl}`);
  }
  for (const dag of await service.publish(name)) {
    write(
      `    ${dag.fileName}: ${dag.dagIds.join(", ")} ${dag.changed ? "(written)" : "(unchanged)"}, unpaused`,
    );
  }

  let counts = await countLayers(pipeline.spec, env);
  // A source loaded anew (another seed or scale, or forced) under a pipeline that landed an earlier data set, or a
  // bronze table dropped since its batches landed: the watermarks belong to what was landed before, and an
  // incremental run would land only what happens to sort after them. Reset, each such table is reloaded in chunks
  // with its key set, and bronze drops the rows only the earlier data set had. A full table reloads every run.
  const behind = counts.tables.filter((t) => (t.landed ?? 0) > 0 && (reloaded || t.bronze === null));
  for (const t of behind) {
    if (pipeline.spec.tables.find((s) => s.name === t.table)?.mode === "full") continue;
    await service.resetWatermark(name, t.table);
    write(
      `    ${t.table}: watermark reset (${reloaded ? "the source was loaded anew" : "no bronze table"}); this run reloads it`,
    );
  }
  const scheduled =
    pipeline.spec.airflow.schedule !== null ? await scheduledRun(service, name, published) : undefined;
  await runOnce(pipeline, settings, service, airflow, write, scheduled);
  write("==> rows per layer after the run");
  counts = await countsStep(pipeline, env, write, counts);

  for (let i = 0; i < settings.rounds; i++) {
    await changeStep(env, write);
    await runOnce(pipeline, settings, service, airflow, write);
    write("==> rows per layer after the incremental run (change since the previous run in brackets)");
    counts = await countsStep(pipeline, env, write, counts);
  }

  write("");
  write(`Airflow UI       ${settings.airflowUrl}/dags/smelter__${name}  (user ${settings.airflowUser})`);
  write(`smelter service  ${settings.serviceUrl.replace(/\/$/, "")}/ui/pipelines/${name}`);
  write(`warehouse        schemas ${pipeline.spec.bronzeSchema}, ${pipeline.spec.silverSchema}`);
}
