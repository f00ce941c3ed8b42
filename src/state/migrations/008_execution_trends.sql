-- The pages' trend charts read the newest finished runs of each step of each table of a pipeline.
CREATE INDEX IF NOT EXISTS executions_table_runs
  ON smelter.executions (pipeline, table_name, step, created_at DESC)
  WHERE finished_at IS NOT NULL;
