import { type Static, Type } from "@sinclair/typebox";
import type { ResolvedDatabase } from "../spec/resolve.ts";
import { Enum } from "../spec/schema/builders.ts";

/**
 * What a step read and wrote, named as OpenLineage names datasets (https://openlineage.io/docs/spec/naming):
 * a namespace for the data source (`mysql://host:port`, `postgres://host:port`, `s3://bucket`) and a name within
 * it. Only hosts, ports, databases, schemas, tables and paths: never a user, a password or a key. The Airflow
 * operator turns them into OpenLineage datasets (docs/observability.md). Defined once here: the task hook API
 * publishes the schema as `metrics.lineage` and the types are `Static<>` of it.
 */
export const lineageDatasetSchema = Type.Object(
  {
    namespace: Type.String({ description: "the data source: scheme://host:port, s3://bucket, or file" }),
    name: Type.String({ description: "the dataset in it: database.schema.table, database.table, or a path" }),
    layer: Enum(["source", "landing", "bronze", "silver"], { description: "which part of the flow it is" }),
    fields: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), type: Type.String() }), {
        description:
          "columns in order, with their type in that dataset's own system (source, parquet, warehouse)",
      }),
    ),
    rows: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: "outputs: rows the step wrote (landed; inserted + updated + deleted by a MERGE)",
      }),
    ),
    bytes: Type.Optional(
      Type.Integer({ minimum: 0, description: "outputs: bytes the step wrote (landing)" }),
    ),
  },
  { additionalProperties: false },
);

/** The datasets of one step of one table or model. */
export const stepLineageSchema = Type.Object(
  { inputs: Type.Array(lineageDatasetSchema), outputs: Type.Array(lineageDatasetSchema) },
  {
    additionalProperties: false,
    description: "the datasets the step read and wrote, named as OpenLineage names them; no credentials",
  },
);

/** A dataset a step read or wrote (see `lineageDatasetSchema`). */
export type LineageDataset = Static<typeof lineageDatasetSchema>;

/** The datasets of one step of one table or model. */
export type StepLineage = Static<typeof stepLineageSchema>;

/**
 * How a database kind names its tables for lineage: the URI scheme of its namespace, and whether a table's name
 * starts with the connection's database (`{database}.{schema}.{table}`, PostgreSQL) or its schema stands for the
 * database (`{database}.{table}`, MySQL; `{schema}.{table}`, Hive/Spark). `defaultSchema` names an unqualified
 * table's schema.
 */
export interface LineageNaming {
  scheme: string;
  databaseInName: boolean;
  defaultSchema?: string;
}

/** The namespace and name of a table of `db`: `table` may be qualified (`schema.table`). */
export function tableDataset(
  naming: LineageNaming,
  db: Pick<ResolvedDatabase, "host" | "port" | "database">,
  table: string,
): { namespace: string; name: string } {
  const qualified = table.includes(".")
    ? table
    : `${naming.databaseInName ? (naming.defaultSchema ?? db.database) : db.database}.${table}`;
  return {
    namespace: `${naming.scheme}://${db.host}:${db.port}`,
    name: naming.databaseInName ? `${db.database}.${qualified}` : qualified,
  };
}
