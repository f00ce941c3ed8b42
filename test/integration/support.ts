import { createServer } from "node:net";
import { DEFAULTS } from "../../src/spec/normalize.ts";
import type { AirflowSettings, TableSpec } from "../../src/spec/types.ts";

/** A table spec with the spec loader's defaults; `table` defaults to the name. */
export function tableSpec(over: Partial<TableSpec> & Pick<TableSpec, "name">): TableSpec {
  return {
    source: "src",
    table: over.name,
    primaryKey: ["id"],
    cursor: ["updated_at"],
    mode: "incremental",
    chunkSize: DEFAULTS.chunkSize,
    lagSeconds: 0,
    deletes: { mode: "none" },
    columns: {},
    typeOverrides: {},
    clusterBy: [],
    bronze: { schemaEvolution: "add_columns", changeFeed: true },
    fileRows: DEFAULTS.fileRows,
    freshness: { warnAfterSeconds: null, errorAfterSeconds: null },
    ...over,
  };
}

/** The spec loader's Airflow defaults: no schedule, one run at a time, no retries. */
export function airflowSettings(owner: string): AirflowSettings {
  return {
    schedule: null,
    startDate: "2024-01-01",
    pool: null,
    poolSlots: 1,
    poolSize: null,
    maxActiveTasks: 4,
    maxActiveRuns: 1,
    retries: 0,
    retryDelaySeconds: 60,
    executionTimeoutSeconds: 3600,
    owner,
    tags: [],
    granularity: "table",
    layout: "step",
    split: null,
    assets: false,
    connectionId: "smelter_default",
    deferrable: null,
    waitBeforeDeferSeconds: DEFAULTS.waitBeforeDeferSeconds,
  };
}

/** A port nothing listens on now on 127.0.0.1 (the kernel's choice, released at once). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
