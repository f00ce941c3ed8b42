-- Why a cancel was requested (an API call, or the task watch noticing Airflow ended the task instance), so the
-- replica running the execution can say so in its log and error.

ALTER TABLE smelter.executions ADD COLUMN cancel_reason text;
