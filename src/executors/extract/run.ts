import type { ExecutionContext } from "../../contracts/step.ts";
import type { WatermarkState } from "../../contracts/stores.ts";
import type { BatchManifest, LandingZone } from "../../landing/types.ts";
import type { Relation, SourceDriver } from "../../sources/types.ts";
import type { ResolvedDatabase } from "../../spec/resolve.ts";
import type { TableSpec } from "../../spec/types.ts";
import type { BatchTarget } from "./batch.ts";

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
