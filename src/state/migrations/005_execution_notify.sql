-- Every status change of an execution (and every new queued one) is announced on the channel
-- `smelter_executions` with the payload `<id> <status>`. Long-polling status reads answer as soon as their
-- execution changes, and workers of every replica wake on a submit, whichever replica wrote the row.
-- NOTIFY is delivered at commit, so a listener that reads the row after the notification sees the new status.

CREATE FUNCTION smelter.notify_execution_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('smelter_executions', NEW.id || ' ' || NEW.status);
  RETURN NULL;
END
$$;

CREATE TRIGGER executions_notify_insert AFTER INSERT ON smelter.executions
  FOR EACH ROW EXECUTE FUNCTION smelter.notify_execution_status();

CREATE TRIGGER executions_notify_status AFTER UPDATE OF status ON smelter.executions
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION smelter.notify_execution_status();
