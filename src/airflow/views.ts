import { type Static, Type } from "@sinclair/typebox";
import { type Checked, Default, OfType } from "../spec/schema/builders.ts";

/*
 * What publishing and triggering report, defined once as JSON Schemas: the service's API validates and documents
 * its bodies with them (src/http/schemas.ts) and the TypeScript types below are derived from them.
 */

const nullableString = OfType(["string", "null"]);

/** An Airflow DAG run as the API returns it. */
export const dagRunSchema = Type.Object({
  dag_id: Type.String(),
  run_id: Type.String(),
  state: nullableString,
  logical_date: Type.Optional(nullableString),
  start_date: Type.Optional(nullableString),
  end_date: Type.Optional(nullableString),
});

/** The body of a publish request. */
export const publishBodySchema = Type.Object(
  {
    unpause: Default(Type.Boolean(), false),
    trigger: Default(Type.Boolean(), false),
    wait: Default(Type.Boolean({ description: "with trigger: wait for the run to finish" }), false),
  },
  { additionalProperties: false },
);

/** What a publish did, file by file. */
export const publishResultSchema = Type.Object({
  files: Type.Array(
    Type.Object({
      file_name: Type.String(),
      changed: Type.Boolean(),
      dag_ids: Type.Optional(Type.Array(Type.String())),
      run: Type.Optional(OfType(["object", "null"])),
    }),
  ),
  removed: Type.Optional(
    Type.Array(Type.Object({ file_name: Type.String(), dag_ids: Type.Array(Type.String()) }), {
      description:
        "DAG files of the pipeline its spec no longer generates (parts of an airflow.split that went away), removed with their DAGs",
    }),
  ),
});

/** A triggered run; `parts` lists every run started when the pipeline is split across several DAGs. */
export const triggerResultSchema = Type.Object({
  ...dagRunSchema.properties,
  parts: Type.Optional(
    Type.Array(dagRunSchema, {
      description:
        "with airflow.split and no dag_id: the run of every part, under the same run id (the fields above are the first part's)",
    }),
  ),
});

/**
 * A run of a pipeline as the runs listing returns it: one DAG run, or, when several DAGs of the pipeline ran under
 * one run id (every part of a split pipeline), the run of them all with each DAG's run under `parts`.
 */
export const pipelineRunSchema = Type.Object({
  ...dagRunSchema.properties,
  parts: Type.Optional(
    Type.Array(dagRunSchema, {
      description:
        "when several DAGs of the pipeline ran under this run id (airflow.split): each one's run, by DAG id; dag_id is the first one's, state is the whole run's (running or queued while a part is, then failed when a part failed, else the parts' state), start_date the earliest and end_date the latest (null until every part ended)",
    }),
  ),
});

/** Summary of an Airflow DAG run, as the API returns it. */
export type DagRunView = Static<typeof dagRunSchema>;

/** A run of a pipeline, over every DAG that ran under its run id. */
export type PipelineRunView = Static<typeof pipelineRunSchema>;

/** The body of a publish request, defaults filled in. */
export type PublishOptions = Checked<typeof publishBodySchema>;

/** What a publish reports. */
export type PublishResult = Static<typeof publishResultSchema>;

/** One file of a publish report. */
export type PublishedFile = PublishResult["files"][number];
