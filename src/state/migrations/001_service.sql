-- Run registry of the service: executions asked for by Airflow tasks, their log lines, pipelines registered over
-- HTTP, and the hashes of published DAG files (so an unchanged DAG is not rewritten).

CREATE TABLE smelter.executions (
  id               text PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE,
  pipeline         text NOT NULL,
  step             text NOT NULL CHECK (step IN ('extract', 'bronze', 'silver')),
  table_name       text,
  source           text,
  status           text NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed', 'cancelled')),
  airflow          jsonb,
  metrics          jsonb,
  error            jsonb,
  -- Set by a cancel request; the replica running the execution polls it and aborts.
  cancel_requested boolean NOT NULL DEFAULT false,
  -- Replica that claimed the execution and the last time it proved to be alive.
  worker           text,
  heartbeat_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  CHECK ((table_name IS NULL) <> (source IS NULL))
);

CREATE INDEX executions_queued ON smelter.executions (created_at) WHERE status = 'queued';
CREATE INDEX executions_running ON smelter.executions (heartbeat_at) WHERE status = 'running';
CREATE INDEX executions_pipeline ON smelter.executions (pipeline, created_at DESC);

CREATE TABLE smelter.execution_logs (
  execution_id text NOT NULL REFERENCES smelter.executions (id) ON DELETE CASCADE,
  seq          integer NOT NULL,
  ts           timestamptz NOT NULL,
  level        text NOT NULL CHECK (level IN ('info', 'warn', 'error')),
  message      text NOT NULL,
  PRIMARY KEY (execution_id, seq)
);

CREATE TABLE smelter.pipelines (
  name       text PRIMARY KEY,
  spec_text  text NOT NULL,
  spec_hash  text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE smelter.published_dags (
  dag_file     text PRIMARY KEY,
  pipeline     text NOT NULL,
  content_hash text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now()
);
