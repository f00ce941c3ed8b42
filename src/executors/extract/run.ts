import type { ExecutionContext } from "../../contracts/step.ts";
import type { WatermarkState } from "../../contracts/stores.ts";
import type { BatchManifest, LandingZone } from "../../landing/types.ts";
import type { Relation, SourceDriver, SourceSnapshot } from "../../sources/types.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import type { TableSpec } from "../../spec/types.ts";
import type { BatchTarget } from "./batch.ts";
import { type ExtractSchema, extractSchema } from "./schema.ts";
import type { LandedColumn } from "./writer.ts";

/** Everything an extraction of one table works with. */
export interface ExtractRun {
  ctx: ExecutionContext;
  table: TableSpec;
  relation: Relation;
  db: ResolvedDatabase;
  driver: SourceDriver;
  zone: LandingZone;
  statementTimeoutMs: number;
  /** The newest manifest of the table (after adopting any the state DB missed). */
  previous: BatchManifest | null;
  stored: WatermarkState | null;
  target: Omit<BatchTarget, "batchId">;
}

/** Fields every manifest of a run shares. */
export function manifestBase(
  run: ExtractRun,
  batchId: string,
  snapshot: Record<string, unknown>,
): Pick<
  BatchManifest,
  "format" | "batchId" | "pipeline" | "table" | "source" | "mode" | "createdAt" | "primaryKey" | "cursor"
> {
  return {
    format: "smelter.manifest/v1",
    batchId,
    pipeline: run.target.pipeline,
    table: run.table.name,
    source: { name: run.db.name, kind: run.db.kind, snapshot },
    mode: run.table.mode,
    createdAt: new Date().toISOString(),
    primaryKey: run.table.primaryKey,
    cursor: run.table.cursor,
  };
}

/** A new snapshot of the run's source, with the run's statement timeout; the caller closes it. */
export function openSnapshot(run: ExtractRun): Promise<SourceSnapshot> {
  return run.driver.openSnapshot(run.db, { statementTimeoutMs: run.statementTimeoutMs });
}

/** The table's columns as `snapshot` sees them, mapped for landing and compared with `previous`'s schema. */
export async function snapshotSchema(
  run: ExtractRun,
  snapshot: SourceSnapshot,
  previous: BatchManifest | null,
): Promise<ExtractSchema> {
  const source = { driver: run.driver, name: run.db.name, timezone: run.db.timezone };
  return extractSchema(run.table, source, await snapshot.columns(run.relation), previous);
}

/** Warns, in the execution log, of the values each landed column's mapping read as NULL (and why). */
export function warnNulled(run: ExtractRun, landed: LandedColumn[]): void {
  for (const c of landed) {
    if (c.mapping.nulled?.count)
      run.ctx.log.warn(`${run.table.name}.${c.name}: ${c.mapping.nulled.count} ${c.mapping.nulled.reason}`);
  }
}
