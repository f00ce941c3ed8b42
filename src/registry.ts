import { LANDING_ZONES } from "./landing/index.ts";
import { sources } from "./sources/index.ts";
import type { KindSupport } from "./spec/check.ts";
import {
  loadPipelines as loadAllChecked,
  loadPipeline as loadChecked,
  parsePipeline as parseChecked,
} from "./spec/load.ts";
import type { LoadedPipeline } from "./spec/types.ts";
import { WAREHOUSES } from "./warehouse/index.ts";

/**
 * The kinds smelter connects to, gathered from the one registry of each (sources, landing zones, warehouses), and
 * the spec loader that checks specs against them: a spec naming a kind is checked against what that kind supports
 * (partitioning, SCD2, type names, ...) in the same round as every other problem.
 */
export const KINDS: KindSupport = {
  sources: Object.keys(sources),
  changeCapture: Object.entries(sources)
    .filter(([, driver]) => driver?.changeLog)
    .map(([kind]) => kind),
  landing: Object.keys(LANDING_ZONES),
  warehouses: WAREHOUSES,
};

/** Reads, validates and defaults one pipeline file (see `spec/load.ts`), checked against `KINDS`. */
export function loadPipeline(file: string): Promise<LoadedPipeline> {
  return loadChecked(file, KINDS);
}

/** Loads several files, reporting the problems of all of them together. */
export function loadPipelines(files: readonly string[]): Promise<LoadedPipeline[]> {
  return loadAllChecked(files, KINDS);
}

/** Validates and defaults a pipeline given as text, checked against `KINDS`. */
export function parsePipeline(text: string, file: string): LoadedPipeline {
  return parseChecked(text, file, KINDS);
}
