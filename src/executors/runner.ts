import type {
  ExecutionContext,
  Executor,
  SourceExecutor,
  Step,
  StepMetrics,
  TaskRequest,
} from "../contracts/step.ts";
import { CancelledError, ConfigError, SmelterError } from "../errors.ts";
import { laterSteps, unitsOf } from "../spec/lookup.ts";
import type { PipelineSpec } from "../spec/types.ts";

/**
 * The executors by step: the one place that says which function runs which step. `shared` lists, by step, the
 * executor a source request offers its tables first, for those that share work.
 */
export type ExecutorRegistry = Record<Step, Executor> & { shared?: Partial<Record<Step, SourceExecutor>> };

/** Upper bound of tables of a source run at once: the source connection's `maxConnections` (default 4). */
function concurrencyOf(spec: PipelineSpec, source: string): number {
  const connection = spec.connections[source];
  return connection && "maxConnections" in connection ? Math.max(1, connection.maxConnections) : 4;
}

type Counter =
  | "rowsRead"
  | "rowsLanded"
  | "files"
  | "bytes"
  | "batches"
  | "inserted"
  | "updated"
  | "deleted"
  | "unchanged";

const SUMMED: Counter[] = [
  "rowsRead",
  "rowsLanded",
  "files",
  "bytes",
  "batches",
  "inserted",
  "updated",
  "deleted",
  "unchanged",
];

/** Sums the per-table metrics of a source request; the per-table ones are kept under `tables`. */
export function mergeMetrics(tables: Record<string, StepMetrics>): StepMetrics {
  const merged: StepMetrics = { tables };
  for (const metrics of Object.values(tables)) {
    for (const key of SUMMED) {
      const value = metrics[key];
      if (typeof value === "number") merged[key] = (merged[key] ?? 0) + value;
    }
  }
  return merged;
}

/** Which step each mode belongs to. */
const MODE_STEP = { resync: "extract", backfill: "extract", rebuild: "silver" } as const;

/** A mode or `downstream` only with a table request, and a mode only with its step. */
function checkOptions(request: TaskRequest): void {
  const what = `${request.step} of ${request.table ?? `source ${request.source}`}`;
  if (request.table === undefined && (request.mode || request.chain))
    throw new ConfigError(`${what}: a mode or a chain needs a table, not a source`);
  if (request.chain && request.downstream)
    throw new ConfigError(`${what}: chain and downstream both run the later steps; ask for one`);
  const mode = request.mode;
  if (mode && MODE_STEP[mode.kind] !== request.step)
    throw new ConfigError(
      `${what}: ${mode.kind} is a mode of ${MODE_STEP[mode.kind]}, not of ${request.step}`,
    );
}

/**
 * After a table's step, the later steps of the same table (`laterSteps`): their metrics go under `steps`. A
 * failure stops there and names the step; what the earlier steps committed stays committed.
 */
async function runLater(
  registry: ExecutorRegistry,
  request: TaskRequest & { table: string },
  ctx: ExecutionContext,
  first: StepMetrics,
): Promise<StepMetrics> {
  const steps: Record<string, StepMetrics> = {};
  for (const later of laterSteps(ctx.pipeline.spec, request.step, request.table)) {
    if (ctx.signal.aborted) throw new CancelledError();
    const name = later.step === "silver" ? `silver ${later.table}` : later.step;
    ctx.log.info(`${name}: starting after ${request.step} of ${request.table}`);
    try {
      steps[name] = await registry[later.step]({ pipeline: request.pipeline, ...later }, ctx);
    } catch (error) {
      if (!(error instanceof SmelterError)) throw error;
      throw new SmelterError(error.type, `${name} (after ${request.step}): ${error.message}`, {
        retryable: error.retryable,
        cause: error,
      });
    }
  }
  return { ...first, steps };
}

/**
 * Runs one task request with the given executors. A `source` request runs each of that source's tables as its
 * own table request, at most `maxConnections` at once, each with an equal share of those connections as its
 * `connectionBudget`; the first failure stops starting new tables, the others
 * finish, and the error names the table that failed (and how many others did).
 *
 * A `downstream` source request pipelines the steps: a table's later steps (bronze, its silver models) start as
 * soon as its own step ended, while the next tables' steps go on. They run beside them, at most as many tables
 * at once as the step itself (the later steps use the warehouse, not the source's connections), and a table's
 * metrics hold its later steps' under `steps`, as for a `downstream` table request. A failure of a later step is
 * its table's failure, with the same effect as a failure of the step.
 */
export async function runTaskWith(
  registry: ExecutorRegistry,
  request: TaskRequest,
  ctx: ExecutionContext,
): Promise<StepMetrics> {
  const executor = registry[request.step];
  if (!executor) throw new ConfigError(`unknown step ${JSON.stringify(request.step)}`);
  checkOptions(request);
  if (request.table !== undefined) {
    const metrics = await executor(request, ctx);
    return request.downstream ? runLater(registry, request, ctx, metrics) : metrics;
  }

  const spec = ctx.pipeline.spec;
  let units = unitsOf(spec, request);
  const results: Record<string, StepMetrics> = {};
  const failures: { table: string; error: unknown }[] = [];
  const budget = concurrencyOf(spec, request.source);
  const shared = registry.shared?.[request.step];
  if (shared) {
    let together: Awaited<ReturnType<SourceExecutor>>;
    try {
      together = await shared({ ...request, source: request.source }, units, ctx);
    } catch (error) {
      if (!(error instanceof SmelterError)) throw error;
      throw new SmelterError(error.type, `source ${request.source}: ${error.message}`, {
        retryable: error.retryable,
        cause: error,
      });
    }
    Object.assign(results, together.results);
    units = together.rest;
  }
  const width = Math.min(budget, units.length);
  // Tables side by side share the source's connections: a full load's parallel chunks stay within its share.
  const tableCtx: ExecutionContext = {
    ...ctx,
    connectionBudget: Math.max(1, Math.floor(budget / Math.max(1, width))),
  };
  let next = 0;
  const later = request.downstream ? limiter(width) : null;
  const pending: Promise<void>[] = [];
  const runLaterOf = async (table: string, first: StepMetrics): Promise<void> => {
    try {
      const tableRequest = { pipeline: request.pipeline, step: request.step, table };
      results[table] = await runLater(registry, tableRequest, tableCtx, first);
    } catch (error) {
      ctx.log.error(`${request.step} ${table}: ${(error as Error).message}`);
      failures.push({ table, error });
    }
  };
  const worker = async (): Promise<void> => {
    while (next < units.length && failures.length === 0 && !ctx.signal.aborted) {
      const table = units[next++]!;
      ctx.log.info(`${request.step} ${table}: starting`);
      let metrics: StepMetrics;
      try {
        metrics = await executor({ pipeline: request.pipeline, step: request.step, table }, tableCtx);
      } catch (error) {
        ctx.log.error(`${request.step} ${table}: ${(error as Error).message}`);
        failures.push({ table, error });
        continue;
      }
      if (later) pending.push(later(() => runLaterOf(table, metrics)));
      else results[table] = metrics;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  await Promise.all(pending);
  const first = failures[0];
  if (first) {
    const others = failures.length > 1 ? ` (and ${failures.length - 1} more tables failed)` : "";
    const cause = first.error;
    if (cause instanceof SmelterError) {
      throw new SmelterError(cause.type, `table ${first.table}: ${cause.message}${others}`, {
        retryable: cause.retryable,
        cause,
      });
    }
    throw new Error(`table ${first.table}: ${(cause as Error).message ?? String(cause)}${others}`, { cause });
  }
  if (units.some((t) => !(t in results))) throw new CancelledError();
  return mergeMetrics(results);
}

/** Runs at most `width` of the functions given to it at once, the others in the order they were given. */
function limiter(width: number): (work: () => Promise<void>) => Promise<void> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    // A slot is handed from the function that ends to the next waiting one, never left free in between.
    if (running < width) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      await work();
    } finally {
      const wake = waiting.shift();
      if (wake) wake();
      else running -= 1;
    }
  };
}
