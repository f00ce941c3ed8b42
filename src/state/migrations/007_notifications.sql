-- Notifications: incidents (what went wrong, open until it recovers) and an outbox of webhook deliveries.

-- One row per incident: an execution step of a table (or source) that failed, a table or model past its
-- freshness SLA, or a change of a bronze table's columns. At most one is open per subject, whichever replica saw the event, so a restart or a second
-- replica finds it open and says nothing again; a recovery closes it.
CREATE TABLE smelter.incidents (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('execution', 'freshness', 'schema')),
  -- What the incident is about: [pipeline, step, table or "source:<name>"], [pipeline, "table"|"model", name],
  -- or [pipeline, table, columns added, columns rescued] (a schema change, told once and never resolved).
  subject     text NOT NULL,
  pipeline    text NOT NULL,
  -- How bad it is now (execution: failed; freshness: warn, error) and that as a number, for escalation.
  level       text NOT NULL,
  severity    integer NOT NULL,
  -- Events the incident has seen: the one that opened it, further failed tries or late readings, its resolution.
  events      integer NOT NULL DEFAULT 1,
  last_event  jsonb NOT NULL,
  opened_at   timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);

CREATE UNIQUE INDEX incidents_open ON smelter.incidents (kind, subject) WHERE resolved_at IS NULL;
CREATE INDEX incidents_pipeline ON smelter.incidents (pipeline, opened_at DESC);

-- The outbox: one row per (event, webhook), written in the transaction that opened, escalated or resolved the
-- incident, and drained by the notify job. The webhook's URL is not here (it is a secret of the service's
-- configuration); only its name is.
CREATE TABLE smelter.notifications (
  id           bigserial PRIMARY KEY,
  incident_id  bigint REFERENCES smelter.incidents (id) ON DELETE SET NULL,
  target       text NOT NULL,
  event        text NOT NULL,
  body         jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'undelivered')),
  attempts     integer NOT NULL DEFAULT 0,
  -- When the next attempt is due; while an attempt is under way, when it may be taken over (its lease).
  next_at      timestamptz NOT NULL DEFAULT now(),
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

CREATE INDEX notifications_due ON smelter.notifications (next_at) WHERE status = 'pending';
