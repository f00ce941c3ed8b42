/**
 * Child of `killedExtract` (extract-helpers.ts): runs one extract of the spec given as JSON in argv[2] (of its first
 * table, or of the source named in argv[3] as a source task), logging to stderr.
 */

import { runTask } from "../../../src/executors/index.ts";
import { standaloneState } from "../../../src/runtime/standalone.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";

const spec = JSON.parse(process.argv[2] as string) as PipelineSpec;
const source = process.argv[3];
await runTask(
  source
    ? { pipeline: spec.name, step: "extract", source }
    : { pipeline: spec.name, step: "extract", table: spec.tables[0]?.name as string },
  {
    executionId: "kill-test",
    pipeline: { spec, file: "test.yaml", hash: "0" },
    log: { info: (m) => console.error(m), warn: (m) => console.error(m), error: (m) => console.error(m) },
    signal: new AbortController().signal,
    env: process.env,
    watermarks: standaloneState(process.env, "smelter-test").watermarks,
  },
);
