-- Operating pipelines: resumable chunked loads, operator actions and their audit trail.

-- A load in key-range chunks may be under way for the table (the manifest of batch_id says which chunk landed
-- last). Rows written before this column existed follow their manifest, as before; an operator's set or reset
-- of the watermark clears it, ending such a load.
ALTER TABLE smelter.watermarks ADD COLUMN loading boolean NOT NULL DEFAULT true;
ALTER TABLE smelter.watermarks ALTER COLUMN loading SET DEFAULT false;

-- What an execution runs besides its step's usual run (a re-sync, a backfill range, a silver rebuild), whether the
-- later steps of the table run with it, and where a long step stands while it runs.
ALTER TABLE smelter.executions
  ADD COLUMN mode       jsonb,
  ADD COLUMN downstream boolean NOT NULL DEFAULT false,
  ADD COLUMN progress   jsonb,
  -- The execution this one re-runs (a new execution; the failed one is kept).
  ADD COLUMN rerun_of   text;

-- Every operator action (re-sync, backfill, watermark set or reset, silver rebuild, re-run), accepted or refused:
-- who (the token's name, or the command line's user), when, what, and how it ended.
CREATE TABLE smelter.audit (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  via          text NOT NULL CHECK (via IN ('api', 'ui', 'cli')),
  action       text NOT NULL,
  pipeline     text NOT NULL,
  target       text,
  params       jsonb,
  outcome      text NOT NULL CHECK (outcome IN ('accepted', 'refused', 'success', 'failed', 'cancelled')),
  detail       text,
  execution_id text,
  finished_at  timestamptz
);

CREATE INDEX audit_pipeline ON smelter.audit (pipeline, at DESC);
CREATE INDEX audit_execution ON smelter.audit (execution_id) WHERE execution_id IS NOT NULL;

-- An accepted action ends with its execution, whichever replica or path finishes it (the worker, a cancel of a
-- queued execution, the sweep of interrupted ones).
CREATE FUNCTION smelter.audit_execution_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE smelter.audit
     SET outcome = NEW.status, finished_at = coalesce(NEW.finished_at, now()),
         detail = coalesce((NEW.error ->> 'type') || ': ' || (NEW.error ->> 'message'), detail)
   WHERE execution_id = NEW.id AND outcome = 'accepted';
  RETURN NULL;
END
$$;

CREATE TRIGGER executions_audit AFTER UPDATE OF status ON smelter.executions
  FOR EACH ROW WHEN (NEW.status IN ('success', 'failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION smelter.audit_execution_outcome();
