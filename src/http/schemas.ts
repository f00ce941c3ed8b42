/**
 * JSON Schemas (2020-12) of the service's wire formats: request bodies are validated with them and the OpenAPI
 * document is built from them, so the two cannot drift apart.
 */

const name = { type: "string", pattern: "^[a-z][a-z0-9_]*$", maxLength: 63 } as const;
const identifier = { type: "string", minLength: 1, maxLength: 255 } as const;
const timestamp = { type: "string", format: "date-time" } as const;

export const airflowContextSchema = {
  type: "object",
  additionalProperties: false,
  required: ["dag_id", "run_id", "task_id", "map_index", "try_number"],
  properties: {
    dag_id: identifier,
    run_id: identifier,
    task_id: identifier,
    map_index: { type: "integer", minimum: -1 },
    try_number: { type: "integer", minimum: 0 },
    logical_date: { anyOf: [timestamp, { type: "null" }] },
  },
} as const;

export const submitExecutionSchema = {
  type: "object",
  additionalProperties: false,
  required: ["pipeline", "step", "idempotency_key"],
  properties: {
    pipeline: name,
    step: { enum: ["extract", "bronze", "silver"] },
    table: identifier,
    source: identifier,
    idempotency_key: { type: "string", minLength: 1, maxLength: 1024 },
    airflow: airflowContextSchema,
  },
  oneOf: [{ required: ["table"] }, { required: ["source"] }],
} as const;

export const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["type", "message", "retryable"],
      properties: {
        type: { type: "string" },
        message: { type: "string" },
        retryable: { type: "boolean" },
        field: { type: "string", description: "JSON pointer of the offending part of the request" },
      },
    },
  },
} as const;

export const executionSchema = {
  type: "object",
  required: ["id", "pipeline", "step", "table", "source", "status", "idempotency_key", "created_at", "links"],
  properties: {
    id: { type: "string" },
    pipeline: { type: "string" },
    step: { enum: ["extract", "bronze", "silver"] },
    table: { type: ["string", "null"] },
    source: { type: ["string", "null"] },
    status: { enum: ["queued", "running", "success", "failed", "cancelled"] },
    idempotency_key: { type: "string" },
    airflow: { anyOf: [airflowContextSchema, { type: "null" }] },
    created_at: timestamp,
    started_at: { type: ["string", "null"] },
    finished_at: { type: ["string", "null"] },
    metrics: { type: ["object", "null"], description: "rows_read, files, bytes, inserted, ... duration_ms" },
    error: { anyOf: [errorSchema.properties.error, { type: "null" }] },
    links: { type: "object", properties: { ui: { type: "string" } } },
  },
} as const;

export const executionListSchema = {
  type: "object",
  required: ["executions"],
  properties: { executions: { type: "array", items: executionSchema } },
} as const;

export const logsSchema = {
  type: "object",
  required: ["lines", "next_offset", "complete"],
  properties: {
    lines: {
      type: "array",
      items: {
        type: "object",
        required: ["seq", "ts", "level", "message"],
        properties: {
          seq: { type: "integer" },
          ts: timestamp,
          level: { enum: ["info", "warn", "error"] },
          message: { type: "string" },
        },
      },
    },
    next_offset: { type: "integer" },
    complete: { type: "boolean" },
  },
} as const;

/** Long poll of an execution's status (`wait` seconds at most; 0 answers at once). */
export const MAX_STATUS_WAIT_SECONDS = 30;

export const getExecutionQuerySchema = {
  type: "object",
  properties: {
    wait: {
      type: "number",
      minimum: 0,
      maximum: MAX_STATUS_WAIT_SECONDS,
      default: 0,
      description:
        "seconds to hold the answer until the status differs from `status`; 0 (default) answers at once",
    },
    status: {
      enum: ["queued", "running", "success", "failed", "cancelled"],
      description: "the status the client already has (default: the status when the request arrives)",
    },
  },
} as const;

export const logsQuerySchema = {
  type: "object",
  properties: {
    offset: { type: "integer", minimum: 0, default: 0 },
    limit: { type: "integer", minimum: 1, maximum: 5000, default: 1000 },
  },
} as const;

export const listExecutionsQuerySchema = {
  type: "object",
  properties: {
    pipeline: name,
    status: { enum: ["queued", "running", "success", "failed", "cancelled"] },
    limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export const pipelineSummarySchema = {
  type: "object",
  required: ["name", "origin", "file", "hash", "valid"],
  properties: {
    name: { type: "string" },
    origin: { enum: ["registered", "file"] },
    file: { type: "string" },
    hash: { type: "string" },
    valid: { type: "boolean" },
    error: { type: "string" },
    tables: { type: "array", items: { type: "string" } },
    dag_ids: { type: "array", items: { type: "string" } },
  },
} as const;

export const pipelineListSchema = {
  type: "object",
  required: ["pipelines"],
  properties: { pipelines: { type: "array", items: pipelineSummarySchema } },
} as const;

export const pipelineDetailSchema = {
  type: "object",
  required: ["name", "origin", "file", "hash", "spec"],
  properties: {
    name: { type: "string" },
    origin: { enum: ["registered", "file"] },
    file: { type: "string" },
    hash: { type: "string" },
    spec: { type: "object", description: "the loaded spec with every default filled in" },
  },
} as const;

export const generatedSchema = {
  type: "object",
  required: ["files"],
  properties: {
    files: {
      type: "array",
      items: {
        type: "object",
        required: ["file_name", "content"],
        properties: { file_name: { type: "string" }, content: { type: "string" } },
      },
    },
  },
} as const;

export const publishBodySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    unpause: { type: "boolean", default: false },
    trigger: { type: "boolean", default: false },
    wait: { type: "boolean", default: false, description: "with trigger: wait for the run to finish" },
  },
} as const;

export const publishResultSchema = {
  type: "object",
  required: ["files"],
  properties: {
    files: {
      type: "array",
      items: {
        type: "object",
        required: ["file_name", "changed"],
        properties: {
          file_name: { type: "string" },
          changed: { type: "boolean" },
          dag_ids: { type: "array", items: { type: "string" } },
          run: { type: ["object", "null"] },
        },
      },
    },
  },
} as const;

export const triggerBodySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    dag_id: { type: "string", description: "defaults to the pipeline's main DAG, smelter__<pipeline>" },
    conf: { type: "object" },
    wait: { type: "boolean", default: false },
  },
} as const;

export const dagRunSchema = {
  type: "object",
  required: ["dag_id", "run_id", "state"],
  properties: {
    dag_id: { type: "string" },
    run_id: { type: "string" },
    state: { type: ["string", "null"] },
    logical_date: { type: ["string", "null"] },
    start_date: { type: ["string", "null"] },
    end_date: { type: ["string", "null"] },
  },
} as const;

export const runsSchema = {
  type: "object",
  required: ["runs"],
  properties: { runs: { type: "array", items: dagRunSchema } },
} as const;
