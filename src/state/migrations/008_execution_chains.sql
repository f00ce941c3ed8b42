-- A table's steps run as one Airflow task (spec `airflow.layout: table`): the task's execution is a chain, and each
-- step it runs is an execution of its own that names the chain as its parent. A retry of the task looks up the
-- steps its earlier tries finished (same DAG run and task) so as not to run them again.
ALTER TABLE smelter.executions
  ADD COLUMN chain     boolean NOT NULL DEFAULT false,
  ADD COLUMN parent_id text;

CREATE INDEX executions_chain_steps ON smelter.executions ((airflow ->> 'run_id'), (airflow ->> 'task_id'))
  WHERE parent_id IS NOT NULL AND status = 'success';
