import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpError } from "../../../src/http/errors.ts";
import {
  getExecutionQuerySchema,
  listExecutionsQuerySchema,
  logsQuerySchema,
  publishBodySchema,
  submitExecutionSchema,
  triggerBodySchema,
} from "../../../src/http/schemas.ts";
import { validator } from "../../../src/http/validate.ts";

const context = { dag_id: "d", run_id: "r", task_id: "t", map_index: -1, try_number: 1, logical_date: null };
const submit = { pipeline: "social", step: "bronze", table: "posts", idempotency_key: "k", airflow: context };

/** The 400 a checker throws for `value`, as [field, message]. */
function refusal(check: (value: unknown) => unknown, value: unknown): [string | undefined, string] {
  try {
    check(value);
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, "ValidationError");
    return [error.field, error.message];
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

test("a bad submit body is refused naming the field and what is wrong with it", () => {
  const check = validator(submitExecutionSchema);
  const cases: [unknown, string, string][] = [
    [{ ...submit, step: "gold" }, "/step", 'body field /step must be one of "extract", "bronze", "silver"'],
    [
      { ...submit, idempotency_key: undefined },
      "/idempotency_key",
      "body field /idempotency_key is required",
    ],
    [{ ...submit, source: "src" }, "/table", "body must have exactly one of table or source"],
    [{ ...submit, table: undefined }, "/table", "body must have exactly one of table or source"],
    [{ ...submit, extra: 1 }, "/extra", "body field /extra is not allowed"],
    [
      { ...submit, airflow: { ...context, try_number: "1" } },
      "/airflow/try_number",
      "body field /airflow/try_number must be integer",
    ],
    [
      { ...submit, airflow: { ...context, logical_date: "nope" } },
      "/airflow/logical_date",
      'body field /airflow/logical_date must match format "date-time"',
    ],
    [
      { ...submit, airflow: { ...context, map_index: -2 } },
      "/airflow/map_index",
      "body field /airflow/map_index must be >= -1",
    ],
    [
      { ...submit, pipeline: "Bad" },
      "/pipeline",
      'body field /pipeline must match pattern "^[a-z][a-z0-9_]*$"',
    ],
    [
      { ...submit, pipeline: "x".repeat(64) },
      "/pipeline",
      "body field /pipeline must NOT have more than 63 characters",
    ],
  ];
  for (const [body, field, message] of cases) {
    assert.deepEqual(refusal(check, JSON.parse(JSON.stringify(body))), [field, message]);
  }
});

test("publish and trigger bodies get their defaults", () => {
  assert.deepEqual(validator(publishBodySchema)({}), { unpause: false, trigger: false, wait: false });
  assert.deepEqual(validator(triggerBodySchema)({}), { wait: false });
  assert.deepEqual(refusal(validator(publishBodySchema), { other: true }), [
    "/other",
    "body field /other is not allowed",
  ]);
  assert.deepEqual(refusal(validator(triggerBodySchema), { conf: 1 }), [
    "/conf",
    "body field /conf must be object",
  ]);
});

test("queries are coerced, defaulted and refused naming the parameter", () => {
  const get = validator(getExecutionQuerySchema, "query");
  assert.deepEqual(get({}), { wait: 0 });
  assert.deepEqual(get({ wait: "1", status: "running" }), { wait: 1, status: "running" });
  assert.deepEqual(refusal(get, { wait: "31" }), ["/wait", "query field /wait must be <= 30"]);
  assert.deepEqual(refusal(get, { status: "done" }), [
    "/status",
    'query field /status must be one of "queued", "running", "success", "failed", "cancelled"',
  ]);
  assert.deepEqual(validator(logsQuerySchema, "query")({}), { offset: 0, limit: 1000 });
  assert.deepEqual(refusal(validator(logsQuerySchema, "query"), { limit: "1.5" }), [
    "/limit",
    "query field /limit must be integer",
  ]);
  assert.deepEqual(validator(listExecutionsQuerySchema, "query")({ limit: "7" }), { limit: 7 });
});
