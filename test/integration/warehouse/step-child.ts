import { readFileSync } from "node:fs";
import type { Step } from "../../../src/contracts/step.ts";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { silver } from "../../../src/executors/silver.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import { noWatermarkStore } from "../../../src/state/watermarks.ts";

/**
 * Runs one bronze or silver step in its own process, so that a crash test can kill it at a fault point
 * (SMELTER_FAULT_POINT, see src/warehouse/fault.ts). Usage: step-child.ts <spec.json> <step> <table-or-model>.
 */
const [specFile, step, table] = process.argv.slice(2) as [string, Step, string];
const spec = JSON.parse(readFileSync(specFile, "utf8")) as PipelineSpec;
const log = (m: string) => process.stderr.write(`${m}\n`);
const executor = step === "bronze" ? bronze : silver;
const metrics = await executor(
  { pipeline: spec.name, step, table },
  {
    executionId: "ex_child",
    pipeline: { spec, file: specFile, hash: "0" },
    log: { info: log, warn: log, error: log },
    signal: new AbortController().signal,
    env: process.env,
    watermarks: noWatermarkStore,
  },
);
process.stdout.write(`${JSON.stringify(metrics)}\n`);
// Done: exit even if a pool still holds a connection, so that the test waiting on this process never hangs.
process.exit(0);
