import { type Static, Type } from "@sinclair/typebox";
import {
  dagRunSchema,
  pipelineRunSchema,
  publishBodySchema,
  publishResultSchema,
  triggerResultSchema,
} from "../airflow/views.ts";
import { stepLineageSchema } from "../contracts/lineage.ts";
import { STEPS } from "../contracts/step.ts";
import { Default, Enum, OfType } from "../spec/schema/builders.ts";

export { dagRunSchema, publishBodySchema, publishResultSchema, triggerResultSchema };

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

const rangeEnd = Type.Union(
  [Type.Array(OfType(["string", "number"]), { minItems: 1, maxItems: 16 }), Type.Null()],
  { description: "one value per column of the cursor (or key), compared as a tuple; null: open" },
);

/** A range of rows a backfill reads again: `from` inclusive, `to` exclusive. */
export const backfillBodySchema = Type.Object(
  {
    by: Default(
      Enum(["cursor", "key"], { description: "compare the cursor columns or the primary key" }),
      "cursor",
    ),
    from: Default(rangeEnd, null),
    to: Default(rangeEnd, null),
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
      chain: Type.Optional(
        Type.Boolean({
          description:
            "a table only: after the step, run the later steps of the table (bronze, its silver models), each as an execution of its own; steps an earlier try of the same Airflow task finished in the same DAG run are not run again",
        }),
      ),
      backfill: Type.Optional({
        ...backfillBodySchema,
        description:
          "extract only, for a table: read this range again instead of the usual run (the watermark does not move)",
      }),
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
    Type.Union([
      Type.Object(
        { lineage: Type.Optional(stepLineageSchema) },
        {
          additionalProperties: true,
          description:
            "rows_read, files, bytes, inserted, ... duration_ms; lineage; per table (tables) and per step (steps) alike",
        },
      ),
      Type.Null(),
    ]),
  ),
  error: Type.Optional(Type.Union([errorInfoSchema, Type.Null()])),
  mode: Type.Optional(
    OfType(["object", "null"], {
      description: "a run other than the step's usual one: resync, backfill (with its range) or rebuild",
    }),
  ),
  downstream: Type.Optional(
    Type.Boolean({ description: "the later steps of the table run in the same execution" }),
  ),
  progress: Type.Optional(
    OfType(["object", "null"], {
      description:
        "where a chunked load stands: table, chunks_done, chunks_total, rows, rows_per_second, eta_seconds",
    }),
  ),
  rerun_of: Type.Optional(nullableString),
  chain: Type.Optional(
    Type.Boolean({ description: "the step and the later steps of the table run as child executions" }),
  ),
  parent_id: Type.Optional(
    OfType(["string", "null"], { description: "the chain execution that ran this step" }),
  ),
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
      Type.String({
        description:
          "defaults to the pipeline's main DAG, smelter__<pipeline>, or every part of a pipeline split across several DAGs (airflow.split)",
      }),
    ),
    conf: Type.Optional(OfType("object")),
    run_id: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9_.~:+-]{1,250}$",
        description:
          "the DAG run's id, chosen by the client: the same id sent again returns that run and starts no second one (default: a new smelter__<time>_<hex>)",
      }),
    ),
    wait: Default(Type.Boolean(), false),
  },
  { additionalProperties: false },
);

export const runsSchema = Type.Object({ runs: Type.Array(pipelineRunSchema) });

/** Setting (an array, one value per cursor column) or resetting (null) a table's watermark. */
export const watermarkBodySchema = Type.Object(
  {
    watermark: Type.Union(
      [Type.Array(OfType(["string", "number"]), { minItems: 1, maxItems: 16 }), Type.Null()],
      {
        description: "the new watermark, or null: the next extract loads the whole table again in chunks",
      },
    ),
  },
  { additionalProperties: false },
);

const auditOutcome = Enum(["accepted", "refused", "success", "failed", "cancelled"]);

export const auditEntrySchema = Type.Object({
  id: Type.Integer(),
  at: timestamp,
  actor: Type.String({ description: "the API token's name, or cli:<user>" }),
  via: Enum(["api", "ui", "cli"]),
  action: Enum(["resync", "backfill", "set_watermark", "reset_watermark", "rebuild_silver", "rerun"]),
  pipeline: Type.String(),
  target: nullableString,
  params: OfType(["object", "null"]),
  outcome: auditOutcome,
  detail: nullableString,
  execution_id: nullableString,
  finished_at: nullableString,
});

/** What an accepted or done action answers: its audit entry, what it does, and the execution it queued. */
export const actionResultSchema = Type.Object({
  action: auditEntrySchema,
  message: Type.String({ description: "exactly what happens (or happened)" }),
  execution: Type.Optional(executionSchema),
  previous: Type.Optional(
    OfType(["object", "null"], { description: "set or reset watermark: the state it replaced" }),
  ),
});

export const auditListSchema = Type.Object({ entries: Type.Array(auditEntrySchema) });

export const auditQuerySchema = Type.Object({
  pipeline: Type.Optional(name),
  limit: Default(Type.Integer({ minimum: 1, maximum: 500 }), 50),
});
