-- Extract watermarks: per (pipeline, table) the last batch whose manifest was written and the high cursor value
-- read in its snapshot. Updated only after the manifest is written.
CREATE TABLE IF NOT EXISTS smelter.watermarks (
  pipeline   text        NOT NULL,
  table_name text        NOT NULL,
  batch_id   text        NOT NULL,
  watermark  jsonb,
  runs       bigint      NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, table_name)
);
