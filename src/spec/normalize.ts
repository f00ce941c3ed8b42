import { NOTIFICATION_EVENTS } from "../webhooks.ts";
import type { RawAirflow } from "./schema/airflow.ts";
import type { RawDuration, RawFreshness } from "./schema/common.ts";
import type { RawConnection } from "./schema/connections.ts";
import type { RawNotifications } from "./schema/notifications.ts";
import type { RawPipeline } from "./schema/pipeline.ts";
import type { RawSilverColumn, RawSilverModel } from "./schema/silver.ts";
import type { RawTable, RawTableOptions } from "./schema/tables.ts";
import type {
  AirflowSettings,
  AirflowSplit,
  Connection,
  DeleteDetection,
  FreshnessSla,
  NotificationTarget,
  PipelineSpec,
  SilverColumn,
  SilverModel,
  TableSpec,
} from "./types.ts";

/*
 * The mapping of the YAML as written (the raw types, derived from the schema in ./schema/) to the defaulted
 * camelCase `PipelineSpec`. Only called on a value the schema accepted.
 */

/** Defaults of every optional setting, in one place (docs/spec.md lists the same values). */
export const DEFAULTS = {
  timezone: "+00:00",
  maxConnections: 4,
  landingPrefix: "landing",
  region: "us-east-1",
  mode: "incremental",
  chunkSize: 100_000,
  // Each part is converted to parquet while the next one is read, and the last conversion is a tail after the
  // read. A table DuckDB converts slower than it is read (the bench's posts, with a JSON payload) landed
  // 937,500 rows in 4.0-4.5 s with 250k-row parts against 4.8-5.3 s with 500k-row parts.
  fileRows: 250_000,
  schemaEvolution: "add_columns",
  changeFeed: true,
  softDeleteValue: true,
  reconcileEveryRuns: 1,
  partitionKind: "list",
  scd: 1,
  startDate: "2024-01-01",
  poolSlots: 1,
  maxActiveTasks: 8,
  maxActiveRuns: 1,
  retries: 2,
  retryDelaySeconds: 300,
  executionTimeoutSeconds: 7200,
  /** SmelterOperator's own default; the DAG file names it only when a spec sets another value. */
  waitBeforeDeferSeconds: 10,
  owner: "smelter",
  connectionId: "smelter_default",
} as const;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "30s" / "5m" / "1h" / "2d" or a number of seconds → seconds. */
export function durationSeconds(value: RawDuration): number {
  if (typeof value === "number") return value;
  return Number(value.slice(0, -1)) * UNIT_SECONDS[value.slice(-1)]!;
}

/** The listed fields of `raw` that are set. */
function present<T extends object, K extends keyof T>(raw: T, ...keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]])) as Partial<
    Pick<T, K>
  >;
}

function connection(raw: RawConnection): Connection {
  switch (raw.kind) {
    case "s3":
      return {
        kind: "s3",
        bucket: raw.bucket,
        prefix: raw.prefix ?? DEFAULTS.landingPrefix,
        region: raw.region ?? DEFAULTS.region,
        ...present(raw, "endpoint"),
        ...(raw.access_key_id ? { accessKeyId: raw.access_key_id } : {}),
        ...(raw.secret_access_key ? { secretAccessKey: raw.secret_access_key } : {}),
      };
    case "local":
      return { kind: "local", path: raw.path, prefix: raw.prefix ?? DEFAULTS.landingPrefix };
    default:
      return {
        kind: raw.kind,
        ...present(raw, "url", "host", "port", "database", "user", "password"),
        timezone: raw.timezone ?? DEFAULTS.timezone,
        maxConnections: raw.max_connections ?? DEFAULTS.maxConnections,
        ...present(raw, "catalog", "location"),
        ...(raw.landing_path !== undefined ? { landingPath: raw.landing_path } : {}),
      };
  }
}

function deletes(raw: RawTableOptions["deletes"]): DeleteDetection {
  const value: Exclude<RawTableOptions["deletes"], string> = typeof raw === "string" ? { mode: raw } : raw;
  if (!value || value.mode === "none") return { mode: "none" };
  if (value.mode === "soft") {
    return { mode: "soft", column: value.column, value: value.value ?? DEFAULTS.softDeleteValue };
  }
  return { mode: "reconcile", everyRuns: value.every_runs ?? DEFAULTS.reconcileEveryRuns };
}

/** The source a table reads when it names none: `defaults.source`, else the only source-kind connection. */
function implicitSource(raw: RawPipeline): string {
  if (raw.defaults?.source) return raw.defaults.source;
  const databases = Object.entries(raw.connections)
    .filter(([name, c]) => name !== raw.warehouse && c.kind !== "s3" && c.kind !== "local")
    .map(([name]) => name);
  return databases.length === 1 ? databases[0]! : "";
}

/** A table's or model's SLA: each of its own fields, else the pipeline's. */
function freshness(own: RawFreshness | undefined, pipeline: RawFreshness | undefined): FreshnessSla {
  const merged = { ...pipeline, ...own };
  return {
    warnAfterSeconds: merged.warn_after === undefined ? null : durationSeconds(merged.warn_after),
    errorAfterSeconds: merged.error_after === undefined ? null : durationSeconds(merged.error_after),
  };
}

function table(raw: RawTable, defaults: RawTableOptions, source: string, sla?: RawFreshness): TableSpec {
  const merged: RawTableOptions = { ...defaults, ...raw, bronze: { ...defaults.bronze, ...raw.bronze } };
  const out: TableSpec = {
    name: raw.name,
    source: raw.source ?? source,
    ...(raw.query === undefined ? { table: raw.table ?? raw.name } : { query: raw.query }),
    primaryKey: raw.primary_key,
    cursor: raw.cursor ?? [],
    mode: merged.mode ?? DEFAULTS.mode,
    chunkSize: merged.chunk_size ?? DEFAULTS.chunkSize,
    lagSeconds: durationSeconds(merged.lag ?? 0),
    deletes: deletes(merged.deletes),
    columns: { ...raw.columns },
    typeOverrides: { ...raw.type_overrides },
    clusterBy: raw.cluster_by ?? [],
    bronze: {
      schemaEvolution: merged.bronze?.schema_evolution ?? DEFAULTS.schemaEvolution,
      changeFeed: merged.bronze?.change_feed ?? DEFAULTS.changeFeed,
    },
    fileRows: merged.file_rows ?? DEFAULTS.fileRows,
    freshness: freshness(raw.freshness, sla),
  };
  if (raw.partition_by) {
    out.partitionBy = {
      column: raw.partition_by.column,
      kind: raw.partition_by.kind ?? DEFAULTS.partitionKind,
      ...(raw.partition_by.partitions === undefined ? {} : { partitions: raw.partition_by.partitions }),
    };
  }
  return out;
}

function silverColumn(raw: RawSilverColumn): SilverColumn {
  if (typeof raw === "string") return { name: raw, from: raw };
  return { ...raw };
}

function silverModel(raw: RawSilverModel, tables: Map<string, TableSpec>, sla?: RawFreshness): SilverModel {
  return {
    name: raw.name,
    from: raw.from,
    key: raw.key ?? tables.get(raw.from)?.primaryKey ?? [],
    includeAll: raw.include_all ?? false,
    columns: (raw.columns ?? []).map(silverColumn),
    ...(raw.where === undefined ? {} : { where: raw.where }),
    scd: raw.scd ?? DEFAULTS.scd,
    freshness: freshness(raw.freshness, sla),
  };
}

function airflow(raw: RawAirflow): AirflowSettings {
  return {
    schedule: raw.schedule ?? null,
    startDate: raw.start_date ?? DEFAULTS.startDate,
    pool: raw.pool ?? null,
    poolSlots: raw.pool_slots ?? DEFAULTS.poolSlots,
    poolSize: raw.pool_size ?? null,
    maxActiveTasks: raw.max_active_tasks ?? DEFAULTS.maxActiveTasks,
    maxActiveRuns: raw.max_active_runs ?? DEFAULTS.maxActiveRuns,
    retries: raw.retries ?? DEFAULTS.retries,
    retryDelaySeconds: durationSeconds(raw.retry_delay ?? DEFAULTS.retryDelaySeconds),
    executionTimeoutSeconds: durationSeconds(raw.execution_timeout ?? DEFAULTS.executionTimeoutSeconds),
    owner: raw.owner ?? DEFAULTS.owner,
    tags: raw.tags ?? [],
    granularity: raw.granularity ?? "table",
    layout: raw.layout ?? "step",
    split: split(raw.split),
    assets: raw.assets ?? false,
    connectionId: raw.connection_id ?? DEFAULTS.connectionId,
    deferrable: raw.deferrable ?? null,
    waitBeforeDeferSeconds: durationSeconds(raw.wait_before_defer ?? DEFAULTS.waitBeforeDeferSeconds),
  };
}

/** A `by: hash` split without `parts` is reported by the checks; it normalizes to two parts meanwhile. */
function split(raw: RawAirflow["split"]): AirflowSplit | null {
  if (raw === undefined) return null;
  if (raw.by === "source") return { by: "source" };
  return { by: "hash", parts: raw.parts ?? 2 };
}

function notifications(raw: RawNotifications | undefined): NotificationTarget[] {
  return Object.entries(raw ?? {}).map(([name, w]) => ({
    name,
    format: w.format,
    url: w.url,
    events: w.events ?? [...NOTIFICATION_EVENTS],
    only:
      w.tables === undefined && w.models === undefined
        ? null
        : { tables: w.tables ?? [], models: w.models ?? [] },
  }));
}

/** Maps a schema-valid document to the defaulted spec. */
export function normalize(raw: RawPipeline): PipelineSpec {
  const source = implicitSource(raw);
  const tables = raw.tables.map((t) => table(t, raw.defaults ?? {}, source, raw.freshness));
  const byName = new Map(tables.map((t) => [t.name, t]));
  return {
    version: 1,
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    connections: Object.fromEntries(Object.entries(raw.connections).map(([k, c]) => [k, connection(c)])),
    warehouse: raw.warehouse,
    landing: raw.landing,
    bronzeSchema: raw.bronze_schema ?? `${raw.name}_bronze`,
    silverSchema: raw.silver_schema ?? `${raw.name}_silver`,
    tables,
    silver: (raw.silver ?? []).map((m) => silverModel(m, byName, raw.freshness)),
    airflow: airflow(raw.airflow ?? {}),
    notifications: notifications(raw.notifications),
  };
}
