import { type Static, Type } from "@sinclair/typebox";
import { Airflow } from "./airflow.ts";
import { Const, type Definition, definitionName, MapOf, ref } from "./builders.ts";
import {
  ColumnList,
  ColumnName,
  Duration,
  EnvRef,
  Freshness,
  HostSetting,
  Identifier,
  KeyList,
  PortSetting,
  SecretRef,
  SqlType,
  StringSetting,
  UrlSetting,
} from "./common.ts";
import { Connection, DatabaseConnection, KeyPrefix, LocalConnection, S3Connection } from "./connections.ts";
import { canonical, printJson } from "./layout.ts";
import { NotificationEvent, Notifications, Webhook, WebhookName } from "./notifications.ts";
import { SilverColumn, SilverModel } from "./silver.ts";
import { Bronze, Deletes, Table, TableDefaults, TableOptions } from "./tables.ts";

/*
 * The pipeline document: the one definition of the YAML format. The loader validates against it
 * (./validate.ts), the raw types below are derived from it, and `npm run schema` publishes it as
 * schema/pipeline.schema.json for editors.
 */

export const Pipeline = Type.Object(
  {
    version: Const(1, { description: "Format version." }),
    name: ref(Identifier, {
      description: "Pipeline name, used in DAG ids, landing keys and warehouse schemas.",
    }),
    description: Type.Optional(Type.String({ description: "Shown as the DAG's documentation in Airflow." })),
    connections: MapOf(ref(Identifier), ref(Connection), {
      description:
        "Databases and landing zones by name. Secrets are `{env: NAME}` or `{file: /path}`, never inline.",
      minProperties: 1,
      "x-expected": "a map of one or more named connections",
    }),
    warehouse: ref(Identifier, {
      description: "Name of the warehouse connection (postgres, or spark for Delta Lake).",
    }),
    landing: ref(Identifier, { description: "Name of the s3 or local landing connection." }),
    bronze_schema: Type.Optional(ref(Identifier, { description: "Default `<name>_bronze`." })),
    silver_schema: Type.Optional(ref(Identifier, { description: "Default `<name>_silver`." })),
    defaults: Type.Optional(ref(TableDefaults)),
    freshness: Type.Optional(
      ref(Freshness, {
        description: "Freshness SLA of every table and silver model that does not set its own.",
      }),
    ),
    tables: Type.Array(ref(Table), { minItems: 1, "x-expected": "a non-empty list of tables" }),
    silver: Type.Optional(Type.Array(ref(SilverModel), { "x-expected": "a list of silver models" })),
    airflow: Type.Optional(ref(Airflow)),
    notifications: Type.Optional(ref(Notifications)),
  },
  {
    additionalProperties: false,
    description:
      "One smelter pipeline: connections, tables extracted into bronze, silver models, and how Airflow runs them. Reference: docs/spec.md.",
  },
);

/** The pipeline document as written (snake_case, most fields optional), once the schema accepted it. */
export type RawPipeline = Static<typeof Pipeline>;

/** The published `$defs`, in the order the file lists them. */
const DEFINITIONS: Definition[] = [
  Identifier,
  ColumnName,
  ColumnList,
  SqlType,
  Duration,
  Freshness,
  SecretRef,
  EnvRef,
  StringSetting,
  HostSetting,
  UrlSetting,
  PortSetting,
  Connection,
  DatabaseConnection,
  S3Connection,
  LocalConnection,
  KeyPrefix,
  Deletes,
  Bronze,
  TableOptions,
  TableDefaults,
  Table,
  SilverColumn,
  SilverModel,
  Airflow,
  Notifications,
  Webhook,
  WebhookName,
  NotificationEvent,
  KeyList,
];

/** The JSON Schema (draft 2020-12) document of the pipeline format, as published. */
export function pipelineSchema(): Record<string, unknown> {
  const { description, ...shape } = canonical(Pipeline) as Record<string, unknown>;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://smelter.dev/schema/pipeline.schema.json",
    title: "smelter pipeline",
    description,
    ...shape,
    $defs: Object.fromEntries(DEFINITIONS.map((d) => [definitionName(d), canonical(d)])),
  };
}

/** Where the schema is published: editors and the specs' `yaml-language-server` comments point here. */
export const SCHEMA_PATH = new URL("../../../schema/pipeline.schema.json", import.meta.url);

/** The text of schema/pipeline.schema.json: the same definitions always give the same bytes. */
export const schemaFileText = (): string => printJson(pipelineSchema());
