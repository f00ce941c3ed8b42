/**
 * The library entry of the `smelter` package (`import { loadPipeline } from "smelter"`): read and check pipeline
 * specs, plan them and compile them to Airflow DAG files, as the `validate`, `plan` and `generate` commands do.
 * The service and the other commands are reached through the `smelter` CLI, not through this module.
 */

export { compileDagFiles, compilePipeline, type GeneratedDag, writeDagFile } from "./compiler/generate.ts";
export { type Plan, planPipeline } from "./compiler/plan.ts";
export { loadPipeline, loadPipelines, parsePipeline } from "./registry.ts";
export { formatProblem, SpecErrors, type SpecProblem } from "./spec/problems.ts";
export type { LoadedPipeline, PipelineSpec } from "./spec/types.ts";
export { VERSION } from "./version.ts";
