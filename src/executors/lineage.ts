import { type LineageDataset, type StepLineage, tableDataset } from "../contracts/lineage.ts";
import type { StepMetrics } from "../contracts/step.ts";
import { readManifest } from "../landing/index.ts";
import { tablePrefix } from "../landing/layout.ts";
import type { BatchManifest, LandingZone } from "../landing/types.ts";
import type { SilverTarget } from "../spec/lookup.ts";
import { resolveDatabase } from "../spec/resolve.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { warehouseDialect } from "../warehouse/index.ts";
import type { WarehouseSession } from "../warehouse/types.ts";
import type { ExtractRun } from "./extract/run.ts";

/*
 * The datasets each step reports in its metrics (`StepMetrics.lineage`), named by `tableDataset` and
 * `landingDataset`: from resolved connections, so hosts, ports and databases but never credentials.
 */

/**
 * A table's folder in the landing zone: `s3://bucket` and `<prefix>/<pipeline>/<table>`, or `file` and the
 * folder's absolute path (OpenLineage's naming of object stores and local files).
 */
export function landingDataset(zone: LandingZone, pipeline: string, table: string) {
  const url = new URL(`${zone.url}/${tablePrefix(pipeline, table)}`);
  const path = decodeURIComponent(url.pathname).replace(/\/+$/, "");
  return url.protocol === "file:"
    ? { namespace: "file", name: path }
    : { namespace: `${url.protocol}//${url.host}`, name: path.replace(/^\/+/, "") };
}

/** A bronze table or silver model of the pipeline's warehouse. */
export function warehouseDataset(spec: PipelineSpec, env: NodeJS.ProcessEnv, schema: string, table: string) {
  const db = resolveDatabase(spec, spec.warehouse, env);
  return tableDataset(warehouseDialect(db.kind).lineage, db, `${schema}.${table}`);
}

/** Rows a MERGE wrote: inserted, updated and deleted (unchanged rows are not written). */
function mergedRows(metrics: StepMetrics): number {
  return (metrics.inserted ?? 0) + (metrics.updated ?? 0) + (metrics.deleted ?? 0);
}

/**
 * Extract: the source table (none for a `query`, which names no table) and the table's landing folder, with
 * the columns of the newest landed batch (or of the one before the run, when it landed nothing).
 */
export async function extractLineage(run: ExtractRun, metrics: StepMetrics): Promise<StepLineage> {
  const { ctx, table, zone } = run;
  const pipeline = run.target.pipeline;
  const stored = await ctx.watermarks.read(pipeline, table.name);
  const newest: BatchManifest | null =
    stored && stored.batchId !== run.previous?.batchId
      ? await readManifest(zone, pipeline, table.name, stored.batchId)
      : null;
  const columns = (newest ?? run.previous)?.schema.columns;
  const inputs: LineageDataset[] =
    "table" in run.relation
      ? [
          {
            ...tableDataset(run.driver.lineage, run.db, run.relation.table),
            layer: "source",
            ...(columns ? { fields: columns.map((c) => ({ name: c.name, type: c.sourceType })) } : {}),
          },
        ]
      : [];
  return {
    inputs,
    outputs: [
      {
        ...landingDataset(zone, pipeline, table.name),
        layer: "landing",
        ...(columns ? { fields: columns.map((c) => ({ name: c.name, type: c.parquetType })) } : {}),
        rows: metrics.rowsLanded ?? 0,
        bytes: metrics.bytes ?? 0,
      },
    ],
  };
}

/**
 * Bronze: the table's landing folder (with the columns of the batches applied, when any) and the bronze table
 * with its columns as the warehouse has them after the commits.
 */
export async function bronzeLineage(
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  warehouse: WarehouseSession,
  zone: LandingZone,
  table: string,
  landed: BatchManifest | null,
  metrics: StepMetrics,
): Promise<StepLineage> {
  const columns = await warehouse.columns(spec.bronzeSchema, table);
  return {
    inputs: [
      {
        ...landingDataset(zone, spec.name, table),
        layer: "landing",
        ...(landed
          ? { fields: landed.schema.columns.map((c) => ({ name: c.name, type: c.parquetType })) }
          : {}),
      },
    ],
    outputs: [
      {
        ...warehouseDataset(spec, env, spec.bronzeSchema, table),
        layer: "bronze",
        ...(columns ? { fields: columns } : {}),
        rows: mergedRows(metrics),
      },
    ],
  };
}

/** Silver: the bronze table (its change feed, or its rows for a rebuild) and the silver model's table. */
export async function silverLineage(
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv,
  warehouse: WarehouseSession,
  target: SilverTarget,
  metrics: StepMetrics,
): Promise<StepLineage> {
  const { bronzeSchema, silverSchema } = target;
  const columns = await warehouse.columns(silverSchema, target.model.name);
  return {
    inputs: [{ ...warehouseDataset(spec, env, bronzeSchema, target.table.name), layer: "bronze" }],
    outputs: [
      {
        ...warehouseDataset(spec, env, silverSchema, target.model.name),
        layer: "silver",
        ...(columns ? { fields: columns } : {}),
        rows: mergedRows(metrics),
      },
    ],
  };
}
