-- A resolve goes only to the webhooks an earlier message of its incident went to: the messages of an incident are
-- looked up when it resolves (and when retention deletes incidents, through the foreign key).
CREATE INDEX IF NOT EXISTS notifications_incident ON smelter.notifications (incident_id);
