import type { Logger, RequestMode, Step, StepMetrics, TaskRequest } from "../contracts/step.ts";
import { CancelledError, type ErrorInfo, SmelterError } from "../errors.ts";
import { laterSteps } from "../spec/lookup.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { Execution } from "../state/executions.ts";

/*
 * A chain: one Airflow task runs a table's steps (spec `airflow.layout: table`). Each step is an execution of its
 * own, recorded with the chain as its parent, so that it has its own log, metrics, locks and page, exactly as when
 * each step is a task. A retry of the task is a new chain: it skips the steps that chains of earlier tries of the
 * same task instance (DAG, run, task, map index) finished, and starts at the one that failed. The steps
 * themselves are the usual executors, so exactly-once is what it is for each step alone.
 */

/** One step of a chain: the step and its table (silver: model), and the first step's mode (a backfill run's). */
export interface ChainStep {
  step: Step;
  table: string;
  mode?: RequestMode;
}

/** What a chain needs from the worker that runs it. */
export interface ChainDeps {
  /** Successful steps of earlier chains of the same Airflow task instance, by `<step>:<table>`. */
  doneSteps(): Promise<Map<string, Execution>>;
  /** Records the step as a running child execution of the chain. */
  startChild(target: ChainStep): Promise<Execution>;
  /** Runs a child execution to its end in the chain's slot: its metrics, or the error it ended with. */
  run(child: Execution): Promise<{ metrics?: StepMetrics; error?: ErrorInfo }>;
}

/**
 * The steps a chain request runs, in order: its own step (with the request's mode, e.g. the range of a backfill
 * DAG run), then the later steps of its table, in their usual run.
 */
export function chainSteps(spec: PipelineSpec, request: TaskRequest & { table: string }): ChainStep[] {
  const first: ChainStep = {
    step: request.step,
    table: request.table,
    ...(request.mode ? { mode: request.mode } : {}),
  };
  return [first, ...laterSteps(spec, request.step, request.table)];
}

/** How a step is named in a chain's log and metrics: `extract`, `bronze`, `silver <model>`. */
export function stepName(target: ChainStep): string {
  return target.step === "silver" ? `silver ${target.table}` : target.step;
}

/**
 * Runs the steps of a chain one after the other. The chain's metrics hold each step's under `steps`, with the
 * execution that ran it (`executionId`) and, for a step an earlier try ran, `ranBefore`. The first failing step
 * ends the chain with that step's error, named, and as retryable as it was.
 */
export async function runChain(
  spec: PipelineSpec,
  request: TaskRequest & { table: string },
  log: Logger,
  signal: AbortSignal,
  deps: ChainDeps,
): Promise<StepMetrics> {
  const done = await deps.doneSteps();
  const steps: Record<string, StepMetrics> = {};
  for (const target of chainSteps(spec, request)) {
    if (signal.aborted) throw new CancelledError();
    const name = stepName(target);
    const before = done.get(`${target.step}:${target.table}`);
    if (before) {
      const attempt = before.airflow ? ` (try ${before.airflow.try_number})` : "";
      log.info(`${name}: already done by execution ${before.id}${attempt} of this task; not run again`);
      steps[name] = { executionId: before.id, ranBefore: true };
      continue;
    }
    const child = await deps.startChild(target);
    log.info(`${name}: execution ${child.id} started`);
    const outcome = await deps.run(child);
    if (outcome.error) {
      const { type, message, retryable } = outcome.error;
      if (type === "Cancelled") throw new CancelledError(`${name} (execution ${child.id}): ${message}`);
      throw new SmelterError(type, `${name} (execution ${child.id}): ${message}`, { retryable });
    }
    steps[name] = { ...outcome.metrics, executionId: child.id };
    log.info(`${name}: execution ${child.id} succeeded`);
  }
  return { steps };
}
