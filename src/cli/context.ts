import { randomBytes } from "node:crypto";
import type { ExecutionContext } from "../contracts/step.ts";

/** The context of a step run in this process from the command line (`smelter run`, the operator actions). */
export function cliContext(
  pipeline: ExecutionContext["pipeline"],
  log: ExecutionContext["log"],
  signal: AbortSignal,
  watermarks: ExecutionContext["watermarks"],
): ExecutionContext {
  return {
    executionId: `cli_${randomBytes(6).toString("hex")}`,
    pipeline,
    log,
    signal,
    env: process.env,
    watermarks,
  };
}
