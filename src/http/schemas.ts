import { type Static, Type } from "@sinclair/typebox";
import { dagRunSchema, publishBodySchema, publishResultSchema } from "../airflow/views.ts";
import { STEPS } from "../contracts/step.ts";
import { Default, Enum, OfType } from "../spec/schema/builders.ts";

export { dagRunSchema, publishBodySchema, publishResultSchema };

/*
 * The service's wire formats, each defined once as a JSON Schema (2020-12) with TypeBox: request bodies and
 * queries are validated with them (./validate.ts), the OpenAPI document is built from them (./openapi.ts), and
 * the TypeScript types of the bodies are derived from them with `Static<>`, so none of the three can drift.
 */

const name = Type.String({ pattern: "^[a-z][a-z0-9_]*$", maxLength: 63 });
const identifier = Type.String({ minLength: 1, maxLength: 255 });
const timestamp = Type.String({ format: "date-time" });
const step = Enum(STEPS);
const STATUSES = ["queued", "running", "success", "failed", "cancelled"] as const;
const status = Enum(STATUSES);
const nullableString = OfType(["string", "null"]);

export const airflowContextSchema = Type.Object(
  {
    dag_id: identifier,
    run_id: identifier,
    task_id: identifier,
    map_index: Type.Integer({ minimum: -1 }),
    try_number: Type.Integer({ minimum: 0 }),
    logical_date: Type.Optional(Type.Union([timestamp, Type.Null()])),
  },
  { additionalProperties: false },
);

/** Exactly one of `table` / `source` (the `oneOf`, which `Static` does not express): the handler reads either. */
export const submitExecutionSchema = {
  ...Type.Object(
    {
      pipeline: name,
      step,
      table: Type.Optional(identifier),
      source: Type.Optional(identifier),
      idempotency_key: Type.String({ minLength: 1, maxLength: 1024 }),
      airflow: Type.Optional(airflowContextSchema),
    },
    { additionalProperties: false },
  ),
  oneOf: [{ required: ["table"] }, { required: ["source"] }],
};

const errorInfoSchema = Type.Object({
  type: Type.String(),
  message: Type.String(),
  retryable: Type.Boolean(),
  field: Type.Optional(Type.String({ description: "JSON pointer of the offending part of the request" })),
});

export const errorSchema = Type.Object({ error: errorInfoSchema });

export const executionSchema = Type.Object({
  id: Type.String(),
  pipeline: Type.String(),
  step,
  table: nullableString,
  source: nullableString,
  status,
  idempotency_key: Type.String(),
  airflow: Type.Optional(Type.Union([airflowContextSchema, Type.Null()])),
  created_at: timestamp,
  started_at: Type.Optional(nullableString),
  finished_at: Type.Optional(nullableString),
  metrics: Type.Optional(
    OfType(["object", "null"], { description: "rows_read, files, bytes, inserted, ... duration_ms" }),
  ),
  error: Type.Optional(Type.Union([errorInfoSchema, Type.Null()])),
  links: Type.Object({ ui: Type.Optional(Type.String()) }),
});

/** An execution as the task hook API returns it. */
export type ExecutionBody = Static<typeof executionSchema>;

export const executionListSchema = Type.Object({ executions: Type.Array(executionSchema) });

export const logsSchema = Type.Object({
  lines: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      ts: timestamp,
      level: Enum(["info", "warn", "error"]),
      message: Type.String(),
    }),
  ),
  next_offset: Type.Integer(),
  complete: Type.Boolean(),
});

/** Long poll of an execution's status (`wait` seconds at most; 0 answers at once). */
export const MAX_STATUS_WAIT_SECONDS = 30;

export const getExecutionQuerySchema = Type.Object({
  wait: Default(
    Type.Number({
      minimum: 0,
      maximum: MAX_STATUS_WAIT_SECONDS,
      description:
        "seconds to hold the answer until the status differs from `status`; 0 (default) answers at once",
    }),
    0,
  ),
  status: Type.Optional(
    Enum(STATUSES, {
      description: "the status the client already has (default: the status when the request arrives)",
    }),
  ),
});

export const logsQuerySchema = Type.Object({
  offset: Default(Type.Integer({ minimum: 0 }), 0),
  limit: Default(Type.Integer({ minimum: 1, maximum: 5000 }), 1000),
});

export const listExecutionsQuerySchema = Type.Object({
  pipeline: Type.Optional(name),
  status: Type.Optional(status),
  limit: Default(Type.Integer({ minimum: 1, maximum: 500 }), 50),
});

const origin = Enum(["registered", "file"]);

export const pipelineSummarySchema = Type.Object({
  name: Type.String(),
  origin,
  file: Type.String(),
  hash: Type.String(),
  valid: Type.Boolean(),
  error: Type.Optional(Type.String()),
  tables: Type.Optional(Type.Array(Type.String())),
  dag_ids: Type.Optional(Type.Array(Type.String())),
});

export const pipelineListSchema = Type.Object({ pipelines: Type.Array(pipelineSummarySchema) });

export const pipelineDetailSchema = Type.Object({
  name: Type.String(),
  origin,
  file: Type.String(),
  hash: Type.String(),
  spec: OfType("object", { description: "the loaded spec with every default filled in" }),
});

export const generatedSchema = Type.Object({
  files: Type.Array(Type.Object({ file_name: Type.String(), content: Type.String() })),
});

export const triggerBodySchema = Type.Object(
  {
    dag_id: Type.Optional(
      Type.String({ description: "defaults to the pipeline's main DAG, smelter__<pipeline>" }),
    ),
    conf: Type.Optional(OfType("object")),
    wait: Default(Type.Boolean(), false),
  },
  { additionalProperties: false },
);

export const runsSchema = Type.Object({ runs: Type.Array(dagRunSchema) });
