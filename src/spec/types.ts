import type { NotificationEventType, WebhookFormat } from "../webhooks.ts";
import type { RawAirflow } from "./schema/airflow.ts";
import type { RawEnvRef, RawSecretRef } from "./schema/common.ts";
import type { DATABASE_KINDS } from "./schema/connections.ts";
import type { RawSilverColumn, RawSilverModel } from "./schema/silver.ts";
import type { RawTable, RawTableOptions } from "./schema/tables.ts";

/**
 * The pipeline spec as the rest of smelter sees it, after loading, validation and defaulting. The YAML format
 * is defined once, in ./schema/ (published as schema/pipeline.schema.json), and the raw types of the document
 * as written are derived from it. This spec is a different shape, so it is written out here: camelCase, every
 * optional field filled with its default (code downstream never re-applies defaults), durations in seconds,
 * `defaults` folded into each table, delete modes and silver column shorthands expanded. Its value sets
 * (kinds, modes, column forms) are taken from the schema, so a new value is added there alone.
 */

/** A value that must not be written in the spec itself: read from an environment variable or a file. */
export type SecretRef = RawSecretRef;

/** A non-secret setting that may also come from the environment (`{ env: NAME }`), e.g. a host. */
export type Setting<T extends string | number> = T | RawEnvRef;

export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/**
 * A database: a source when a table names it, the warehouse when `warehouse` names it (what kinds may be which
 * is the registries').
 * Either `url` (a SecretRef, since a URL may hold a password) or the separate fields.
 */
export interface DatabaseConnection {
  kind: DatabaseKind;
  url?: SecretRef;
  host?: Setting<string>;
  port?: Setting<number>;
  database?: Setting<string>;
  user?: Setting<string>;
  password?: SecretRef;
  /** MariaDB/MySQL session time zone used to read TIMESTAMP; default "+00:00". */
  timezone: string;
  /** Upper bound of concurrent connections smelter opens to this database; default 4. */
  maxConnections: number;
  /** Spark: catalog of the bronze and silver schemas; default spark_catalog. */
  catalog?: Setting<string>;
  /** Spark: where Delta tables are stored (`<location>/<schema>/<table>`); default the catalog's managed location. */
  location?: Setting<string>;
  /** Spark: the landing zone's root as the warehouse reads it; default derived from the landing connection. */
  landingPath?: Setting<string>;
}

export type LandingConnection =
  | {
      kind: "s3";
      bucket: Setting<string>;
      /** Key prefix inside the bucket, no leading/trailing slash; default "landing". */
      prefix: string;
      region: Setting<string>;
      /** For S3-compatible servers; path-style addressing is used when set. */
      endpoint?: Setting<string>;
      accessKeyId?: SecretRef;
      secretAccessKey?: SecretRef;
    }
  | {
      kind: "local";
      /** Absolute directory, or `file:///...`. */
      path: Setting<string>;
      prefix: string;
    };

export type Connection = DatabaseConnection | LandingConnection;

export type ExtractMode = NonNullable<RawTableOptions["mode"]>;

export type PartitionKind = NonNullable<NonNullable<RawTable["partition_by"]>["kind"]>;

export type DeleteDetection =
  | { mode: "none" }
  /** Rows whose `column` equals `value` (default true) are deletes. */
  | { mode: "soft"; column: string; value: string | number | boolean }
  /** Every `everyRuns` runs (default 1) the full key set is read and keys missing at the source become deletes. */
  | { mode: "reconcile"; everyRuns: number };

export type SchemaEvolution = NonNullable<NonNullable<RawTableOptions["bronze"]>["schema_evolution"]>;

export interface TableSpec {
  /** Logical name: the bronze table name and the name in task ids. */
  name: string;
  /** Source connection name (defaults to the pipeline's `defaults.source`). */
  source: string;
  /** Exactly one of `table` (optionally `schema.table`) or `query` (a SELECT; cursor/key columns must be in it). */
  table?: string;
  query?: string;
  primaryKey: string[];
  /** Cursor columns in order; empty for `mode: full`. */
  cursor: string[];
  mode: ExtractMode;
  /** Rows per key-range chunk for full loads / backfills; default 100000. */
  chunkSize: number;
  /** Re-read window behind the watermark for late-committing transactions, in seconds; default 0. */
  lagSeconds: number;
  deletes: DeleteDetection;
  /** The source columns read: only `include`, or all but `exclude`; empty: all. */
  columns: NonNullable<RawTable["columns"]>;
  /** Column → warehouse type override (e.g. `numeric(20,4)`, `jsonb`, `boolean`). */
  typeOverrides: Record<string, string>;
  /** Columns to cluster/index bronze by (e.g. `network_account_type_id`). */
  clusterBy: string[];
  /** Optional list partitioning of bronze by one column. */
  partitionBy?: { column: string; kind: PartitionKind; partitions?: number };
  bronze: { schemaEvolution: SchemaEvolution; changeFeed: boolean };
  /** Rows per parquet file before rolling to the next part; default 250000. */
  fileRows: number;
  /** Freshness SLA of the bronze table (its own fields, else the pipeline's). */
  freshness: FreshnessSla;
}

/**
 * How old the newest applied change of a table or model may get before it warns or is in error, in seconds;
 * null where no threshold is set.
 */
export interface FreshnessSla {
  warnAfterSeconds: number | null;
  errorAfterSeconds: number | null;
}

/**
 * A silver column in its object form (a bare name `x` becomes `{ name: x, from: x }`): copy (optionally rename /
 * cast) a bronze column (`from`), extract a JSON path (`$.a.b`, `$.items[0].id`) from a JSON column into a typed
 * column (`json`), or compute a SQL expression over the bronze row's columns (`expr`).
 */
export type SilverColumn = Exclude<RawSilverColumn, string>;

export interface SilverModel {
  name: string;
  /** The bronze table (TableSpec.name) whose change feed feeds this model. */
  from: string;
  /** Silver key columns (names of silver columns); default: the bronze primary key, same names. */
  key: string[];
  /** When true, also copy every bronze column not named in `columns`; default false. */
  includeAll: boolean;
  columns: SilverColumn[];
  /** Optional SQL predicate over bronze columns; rows not matching are deleted from / kept out of silver. */
  where?: string;
  scd: NonNullable<RawSilverModel["scd"]>;
  /** Freshness SLA of the model (its own fields, else the pipeline's). */
  freshness: FreshnessSla;
}

/** `airflow.split`: the rule that assigns each table (and the silver models reading it) to a DAG. */
export type AirflowSplit = { by: "hash"; parts: number } | { by: "source" };

export interface AirflowSettings {
  /** cron expression or preset (`@hourly`, `@daily`, ...); null = only triggered by hand/API. */
  schedule: string | null;
  /** ISO date of the DAG's start_date; default "2024-01-01". */
  startDate: string;
  pool: string | null;
  /** Slots each task takes in the pool; default 1. */
  poolSlots: number;
  /** Slots publishing gives the pool (created or updated); null: a missing pool gets maxActiveTasks × poolSlots. */
  poolSize: number | null;
  /** max_active_tasks of the DAG: how many tables run at once. */
  maxActiveTasks: number;
  maxActiveRuns: number;
  retries: number;
  retryDelaySeconds: number;
  executionTimeoutSeconds: number;
  owner: string;
  tags: string[];
  /** `table`: a task per table per step; `source`: a task per source per step (bounded concurrency inside). */
  granularity: NonNullable<RawAirflow["granularity"]>;
  /**
   * `step` (default): a task per step of each table. `table`: one task per table (`table__<table>`) that runs
   * extract, bronze and the silver models reading the table, each as its own execution, resuming at the step
   * that failed when Airflow retries it.
   */
  layout: NonNullable<RawAirflow["layout"]>;
  /**
   * How the pipeline is split across several DAGs, one file each; null (the default): one DAG file. `hash`: a
   * table goes to part `p<k>`, k = sha256(table name) mod `parts`; `source`: a part per source connection.
   */
  split: AirflowSplit | null;
  /** When true, bronze tasks emit Assets and silver runs in a separate DAG scheduled on them. */
  assets: boolean;
  /** Airflow connection id of the smelter service; default "smelter_default". */
  connectionId: string;
  /**
   * Tasks defer to the triggerer while their execution runs (SmelterOperator `deferrable`); null, the default,
   * leaves it to the operator, which follows Airflow's `[operators] default_deferrable`.
   */
  deferrable: boolean | null;
  /** Seconds a task waits in the worker before deferring (SmelterOperator `wait_before_defer`); default 10. */
  waitBeforeDeferSeconds: number;
}

/**
 * A webhook of the pipeline (`notifications.<name>`): told of this pipeline's events, besides the service's own
 * webhooks. Its URL stays a reference until a notification is sent (src/spec/resolve.ts).
 */
export interface NotificationTarget {
  name: string;
  format: WebhookFormat;
  url: SecretRef;
  /** The event types it receives; default every type. */
  events: NotificationEventType[];
  /**
   * The tables and models whose events it receives (a table's also covers tasks of the table's source); null
   * when neither `tables` nor `models` is written: every table and model of the pipeline.
   */
  only: { tables: string[]; models: string[] } | null;
}

export interface PipelineSpec {
  /** Format version; 1. */
  version: 1;
  /** Pipeline name: a lower-case identifier, used in DAG ids, landing keys and warehouse schemas. */
  name: string;
  description?: string;
  connections: Record<string, Connection>;
  /** Names of the warehouse and landing connections. */
  warehouse: string;
  landing: string;
  /** Warehouse schemas; defaults `<name>_bronze` / `<name>_silver`, so that pipelines never share a table. */
  bronzeSchema: string;
  silverSchema: string;
  tables: TableSpec[];
  silver: SilverModel[];
  airflow: AirflowSettings;
  /** Webhooks of this pipeline, in the order written; default none. */
  notifications: NotificationTarget[];
}

/** A spec with where it came from: used in DAG headers and error messages. */
export interface LoadedPipeline {
  spec: PipelineSpec;
  /** Path of the YAML file as given. */
  file: string;
  /** sha256 hex of the file's bytes. */
  hash: string;
}
