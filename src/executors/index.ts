import type { ExecutionContext, StepMetrics, TaskRequest } from "../contracts/step.ts";
import { bronze } from "./bronze/index.ts";
import { extract, extractShared } from "./extract/index.ts";
import { type ExecutorRegistry, runTaskWith } from "./runner.ts";
import { silver } from "./silver.ts";

/** The one registry of executors: which function runs which step. */
export const executors: ExecutorRegistry = { extract, bronze, silver, shared: { extract: extractShared } };

/** Runs a task request with the registered executors (a source request: its tables, bounded concurrency). */
export function runTask(request: TaskRequest, ctx: ExecutionContext): Promise<StepMetrics> {
  return runTaskWith(executors, request, ctx);
}
