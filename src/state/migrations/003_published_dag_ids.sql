-- What each publish wrote: the DAG ids Airflow should have from the file and the spec it was generated from, so
-- reconcile can tell a changed spec, a DAG missing in Airflow and a hand-edited file apart.

ALTER TABLE smelter.published_dags
  ADD COLUMN dag_ids   text[] NOT NULL DEFAULT '{}',
  ADD COLUMN spec_hash text;

CREATE INDEX published_dags_pipeline ON smelter.published_dags (pipeline);
