import { ConfigError } from "../errors.ts";
import type { PipelineSpec, SilverModel, TableSpec } from "./types.ts";

/**
 * Which table, silver model or source a request targets, and whether the spec has it: the one place that answers
 * it. The HTTP API turns a miss into a 404, the CLI and the executors into a ConfigError; all say the same.
 */

/** What a task request names: a table (silver: a model) or a source connection, for one step. */
export interface TargetRequest {
  step: string;
  table?: string | undefined;
  source?: string | undefined;
}

/** What a request names that the spec lacks: the request field and a sentence naming the pipeline. */
export interface MissingTarget {
  field: "/table" | "/source";
  message: string;
}

/** A silver model with the bronze table it reads and where both live. */
export interface SilverTarget {
  pipeline: string;
  bronzeSchema: string;
  silverSchema: string;
  table: TableSpec;
  model: SilverModel;
}

/** Null when the spec has what the request names; otherwise what is missing (and what the spec has instead). */
export function missingTarget(spec: PipelineSpec, request: TargetRequest): MissingTarget | null {
  if (request.source !== undefined) {
    if (spec.tables.some((t) => t.source === request.source)) return null;
    return {
      field: "/source",
      message: `pipeline ${spec.name} has no table read from source ${request.source}`,
    };
  }
  const silver = request.step === "silver";
  const names = silver ? spec.silver.map((m) => m.name) : spec.tables.map((t) => t.name);
  if (request.table !== undefined && names.includes(request.table)) return null;
  return {
    field: "/table",
    message: `pipeline ${spec.name} has no ${silver ? "silver model" : "table"} ${request.table ?? "(none)"} (it has ${names.join(", ") || "none"})`,
  };
}

/** Names a request covers: the table or model itself, or every table (silver: model) fed by the source. */
export function unitsOf(spec: PipelineSpec, request: TargetRequest): string[] {
  const missing = missingTarget(spec, request);
  if (missing) throw new ConfigError(missing.message);
  if (request.table !== undefined) return [request.table];
  const tables = spec.tables.filter((t) => t.source === request.source).map((t) => t.name);
  if (request.step !== "silver") return tables;
  return spec.silver.filter((m) => tables.includes(m.from)).map((m) => m.name);
}

/** The table spec of a table request; a ConfigError naming the pipeline otherwise. */
export function tableOf(spec: PipelineSpec, name: string | undefined): TableSpec {
  const table = spec.tables.find((t) => t.name === name);
  if (!table) throw new ConfigError(missingTarget(spec, { step: "bronze", table: name })!.message);
  return table;
}

/** The silver model a request names (`table` is the model name for silver requests) and its bronze table. */
export function silverTarget(spec: PipelineSpec, name: string | undefined): SilverTarget {
  const model = spec.silver.find((m) => m.name === name);
  if (!model) throw new ConfigError(missingTarget(spec, { step: "silver", table: name })!.message);
  return {
    pipeline: spec.name,
    bronzeSchema: spec.bronzeSchema,
    silverSchema: spec.silverSchema,
    table: tableOf(spec, model.from),
    model,
  };
}

/** One step of one table (silver: model), as the later steps of a table are listed. */
export interface StepTarget {
  step: "bronze" | "silver";
  table: string;
}

/**
 * The steps that follow `step` for one table, in the order they run: bronze of the table (after extract), then
 * every silver model reading it (after extract or bronze). Empty after silver.
 */
export function laterSteps(spec: PipelineSpec, step: string, table: string): StepTarget[] {
  const later: StepTarget[] = [];
  if (step === "extract") later.push({ step: "bronze", table });
  if (step === "extract" || step === "bronze") {
    for (const m of spec.silver.filter((m) => m.from === table))
      later.push({ step: "silver", table: m.name });
  }
  return later;
}
