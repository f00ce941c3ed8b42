from __future__ import annotations

import time
from typing import Any

import pytest
from structlog.testing import capture_logs

from smelter_airflow._compat import AirflowException, AirflowFailException
from smelter_airflow.exceptions import SmelterTaskFailed, SmelterTaskFailedNoRetry
from smelter_airflow.links.smelter import EXECUTION_ID_XCOM_KEY, EXECUTION_URL_XCOM_KEY
from smelter_airflow.operators.smelter import (
    SmelterOperator,
    airflow_identity,
    defer_settle_seconds,
    idempotency_key,
    outcome,
)
from smelter_airflow.triggers.smelter import SmelterExecutionTrigger
from smelter_fake import FakeSmelter

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 2.10
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]


def operator(**overrides: Any) -> SmelterOperator:
    kwargs: dict[str, Any] = {
        "task_id": "bronze__posts",
        "pipeline": "social",
        "step": "bronze",
        "table": "posts",
        "deferrable": True,
        "poll_interval": 0.01,
        "max_poll_interval": 0.05,
        "wait_before_defer": 0,
    }
    kwargs.update(overrides)
    return SmelterOperator(**kwargs)


def execution(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "ex_9",
        "pipeline": "social",
        "step": "bronze",
        "table": "posts",
        "status": status,
        "links": {"ui": "http://svc/ui/executions/ex_9"},
        **fields,
    }


class TestIdempotencyKey:
    def test_is_built_from_dag_run_task_map_index_and_try(self, context: dict[str, Any]) -> None:
        key = idempotency_key(airflow_identity(context))
        assert key == "smelter__social/scheduled__2026-11-21T00:00:00+00:00/bronze__posts/-1/1"

    def test_a_retry_gets_a_new_key(self, context: dict[str, Any]) -> None:
        first = idempotency_key(airflow_identity(context))
        context["ti"].try_number = 2
        assert idempotency_key(airflow_identity(context)) != first

    def test_a_mapped_task_keeps_its_map_index(self, context: dict[str, Any]) -> None:
        context["ti"].map_index = 4
        assert idempotency_key(airflow_identity(context)).endswith("/bronze__posts/4/1")

    def test_logical_date_is_sent_in_utc(self, context: dict[str, Any]) -> None:
        assert airflow_identity(context)["logical_date"] == "2026-11-21T00:00:00Z"

    def test_a_run_without_logical_date_sends_null(self, context: dict[str, Any]) -> None:
        context["logical_date"] = None
        assert airflow_identity(context)["logical_date"] is None


class TestRequest:
    def test_names_pipeline_step_table_and_the_airflow_identity(self, context: dict[str, Any]) -> None:
        request = operator().build_request(context)
        assert request["table"] == "posts" and "source" not in request
        assert request["airflow"]["task_id"] == "bronze__posts"
        assert request["idempotency_key"].endswith("/-1/1")

    def test_per_source_granularity_sends_source(self, context: dict[str, Any]) -> None:
        request = operator(table=None, source="social_db").build_request(context)
        assert request["source"] == "social_db" and "table" not in request

    def test_requires_exactly_one_of_table_and_source(self) -> None:
        with pytest.raises(ValueError, match="exactly one of table= and source="):
            operator(source="social_db")

    def test_an_unknown_step_fails_without_retry(self, context: dict[str, Any]) -> None:
        with pytest.raises(AirflowFailException, match="'gold' is not one of extract, bronze, silver"):
            operator(step="gold").build_request(context)

    def test_a_backfill_run_sends_the_range_of_a_named_table(self, context: dict[str, Any]) -> None:
        conf = {"backfill": {"tables": ["posts"], "by": "key", "from": [1], "to": [100]}}
        context["dag_run"] = type("DagRun", (), {"conf": conf})()
        request = operator(step="extract", task_id="extract__posts").build_request(context)
        assert request["backfill"] == {"by": "key", "from": [1], "to": [100]}
        assert "backfill" not in operator().build_request(context)

    def test_a_table_task_asks_for_the_chain_of_its_steps(self, context: dict[str, Any]) -> None:
        request = operator(step="extract", task_id="table__posts", chain=True).build_request(context)
        assert request["chain"] is True and request["step"] == "extract" and request["table"] == "posts"
        assert "chain" not in operator().build_request(context)

    def test_a_chain_needs_a_table(self) -> None:
        with pytest.raises(ValueError, match="chain= runs the later steps of a table"):
            operator(table=None, source="social_db", chain=True)

    def test_declares_its_templated_fields(self) -> None:
        assert SmelterOperator.template_fields == ("pipeline", "step", "table", "source")


class TestOutcome:
    def test_success_returns_the_metrics(self) -> None:
        assert outcome(execution("success", metrics={"inserted": 2})) == {"inserted": 2}

    def test_success_without_metrics_returns_an_empty_dict(self) -> None:
        assert outcome(execution("success", metrics=None)) == {}

    def test_retryable_failure_raises_an_exception_airflow_retries(self) -> None:
        error = {"type": "SourceUnavailable", "message": "db down", "retryable": True}
        with pytest.raises(SmelterTaskFailed) as raised:
            outcome(execution("failed", error=error))
        assert not isinstance(raised.value, AirflowFailException)
        assert "SourceUnavailable: db down (retrying may help)" in str(raised.value)
        assert "http://svc/ui/executions/ex_9" in str(raised.value)

    def test_non_retryable_failure_fails_without_retry(self) -> None:
        error = {"type": "SchemaDrift", "message": "column gone", "retryable": False}
        with pytest.raises(AirflowFailException, match="SchemaDrift: column gone"):
            outcome(execution("failed", error=error))

    def test_failure_without_error_details_is_retried(self) -> None:
        with pytest.raises(SmelterTaskFailed):
            outcome(execution("failed", error=None))

    def test_cancelled_fails_without_retry(self) -> None:
        with pytest.raises(SmelterTaskFailedNoRetry, match="was cancelled"):
            outcome(execution("cancelled"))


class TestDeferrableExecute:
    def test_submits_records_the_link_and_defers_to_the_trigger(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        with pytest.raises(TaskDeferred) as deferred:
            operator().execute(context)
        trigger = deferred.value.trigger
        assert isinstance(trigger, SmelterExecutionTrigger)
        assert (trigger.execution_id, trigger.conn_id, trigger.poll_interval) == (
            "ex_1",
            "smelter_default",
            0.01,
        )
        assert deferred.value.method_name == "execute_complete"
        assert trigger.not_before is not None
        assert time.time() < trigger.not_before <= time.time() + defer_settle_seconds()
        assert context["ti"].xcoms == {
            EXECUTION_ID_XCOM_KEY: "ex_1",
            EXECUTION_URL_XCOM_KEY: f"{smelter.base_url}/ui/executions/ex_1",
        }

    def test_completes_at_once_when_the_execution_already_ended(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.polls_to_finish = 0
        assert operator().execute(context) == {"rows_read": 3}

    def test_an_execution_ending_within_the_wait_before_defer_completes_without_deferring(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.polls_to_finish = 2
        with capture_logs() as logs:
            assert operator(wait_before_defer=30).execute(context) == {"rows_read": 3}
        assert smelter.polls["ex_1"] == 2
        assert sum(entry["event"].startswith("[smelter ") for entry in logs) == smelter.log_lines

    def test_the_wait_before_defer_long_polls_with_the_status_it_has(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.polls_to_finish = 3
        smelter.hold_seconds = 0.1
        started = time.monotonic()
        assert operator(wait_before_defer=30).execute(context) == {"rows_read": 3}
        assert time.monotonic() - started < 5
        reads = smelter.requested("GET", "/api/v1/executions/ex_1")
        reads = [r for r in reads if not r.path.endswith("/logs")]
        assert [r.query.get("status") for r in reads] == [["queued"], ["running"], ["running"]]
        assert float(reads[0].query["wait"][0]) > 19

    def test_a_bad_request_fails_without_retry(self, smelter: FakeSmelter, context: dict[str, Any]) -> None:
        with pytest.raises(AirflowFailException, match="pipeline 'missing' is not defined"):
            operator(pipeline="missing").execute(context)

    def test_a_full_queue_that_does_not_drain_is_retried(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.busy_submits = 99
        with pytest.raises(AirflowException) as raised:
            operator().execute(context)
        assert not isinstance(raised.value, AirflowFailException)


class TestDeferrableDefault:
    @pytest.mark.parametrize("configured", ["True", "False"])
    def test_follows_airflows_default_deferrable_when_not_given(
        self, monkeypatch: pytest.MonkeyPatch, configured: str
    ) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", configured)
        kwargs = {"task_id": "t", "pipeline": "social", "step": "bronze", "table": "posts"}
        assert SmelterOperator(**kwargs).deferrable is (configured == "True")

    def test_is_off_when_airflow_does_not_set_it(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", raising=False)
        assert SmelterOperator(task_id="t", pipeline="p", step="bronze", table="posts").deferrable is False

    @pytest.mark.parametrize("given", [True, False])
    def test_a_value_the_dag_gives_wins(self, monkeypatch: pytest.MonkeyPatch, given: bool) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", str(not given))
        assert operator(deferrable=given).deferrable is given


class TestDeferSettle:
    def test_holds_twice_the_default_heartbeat_interval(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", raising=False)
        assert defer_settle_seconds() == 10.0

    def test_a_short_heartbeat_interval_keeps_three_seconds_of_slack(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", "1")
        assert defer_settle_seconds() == 4.0


class TestExecuteComplete:
    def resume(self, smelter: FakeSmelter, context: dict[str, Any]) -> tuple[SmelterOperator, dict[str, Any]]:
        """Submit, then return the event the trigger would fire once the execution ended."""
        smelter.polls_to_finish = 0
        op = operator()
        ended = op.hook.submit(op.build_request(context))
        return op, {"status": ended["status"], "execution": ended}

    def test_success_copies_every_log_line_and_returns_the_metrics(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.log_lines, smelter.max_log_page = 7, 3
        op, event = self.resume(smelter, context)
        with capture_logs() as logs:
            metrics = op.execute_complete(context, event)
        assert metrics == {"rows_read": 3}
        copied = [entry for entry in logs if entry["event"].startswith("[smelter ")]
        assert [entry["event"].rsplit(" ", 1)[1] for entry in copied] == [str(seq) for seq in range(7)]
        assert copied[1]["log_level"] == "warning"
        assert len(smelter.requested("GET", "/api/v1/executions/ex_1/logs")) == 3

    @pytest.mark.parametrize(
        ("outcome_fields", "expected", "retried"),
        [
            (
                {"status": "failed", "error": {"type": "Busy", "message": "m", "retryable": True}},
                SmelterTaskFailed,
                True,
            ),
            (
                {"status": "failed", "error": {"type": "Bad", "message": "m", "retryable": False}},
                SmelterTaskFailedNoRetry,
                False,
            ),
            ({"status": "cancelled"}, SmelterTaskFailedNoRetry, False),
        ],
    )
    def test_maps_the_terminal_status_to_retry_or_fail(
        self,
        smelter: FakeSmelter,
        context: dict[str, Any],
        outcome_fields: dict[str, Any],
        expected: type[Exception],
        retried: bool,
    ) -> None:
        smelter.outcome = outcome_fields
        op, event = self.resume(smelter, context)
        with pytest.raises(expected) as raised:
            op.execute_complete(context, event)
        assert isinstance(raised.value, AirflowFailException) is not retried

    def test_a_trigger_error_fails_as_the_event_says(self, context: dict[str, Any]) -> None:
        event = {
            "status": "error",
            "execution": None,
            "execution_id": "ex_5",
            "message": "HTTP 404",
            "retryable": False,
        }
        with pytest.raises(AirflowFailException, match="ex_5 could not be followed: HTTP 404"):
            operator().execute_complete(context, event)


class TestPollingExecute:
    def test_polls_in_the_worker_until_success(self, smelter: FakeSmelter, context: dict[str, Any]) -> None:
        smelter.polls_to_finish = 3
        with capture_logs() as logs:
            assert operator(deferrable=False).execute(context) == {"rows_read": 3}
        assert smelter.polls["ex_1"] == 3
        assert sum(entry["event"].startswith("[smelter ") for entry in logs) == smelter.log_lines

    def test_tolerates_an_unavailable_service_while_polling(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.flaky_gets = 2
        assert operator(deferrable=False).execute(context) == {"rows_read": 3}

    def test_non_retryable_failure_fails_without_retry(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        smelter.outcome = {"status": "failed", "error": {"type": "Bad", "message": "m", "retryable": False}}
        with pytest.raises(AirflowFailException):
            operator(deferrable=False).execute(context)


def test_on_kill_cancels_the_running_execution(smelter: FakeSmelter, context: dict[str, Any]) -> None:
    op = operator()
    with pytest.raises(TaskDeferred):
        op.execute(context)
    op.on_kill()
    assert smelter.executions["ex_1"]["status"] == "cancelled"


def test_on_kill_before_submitting_does_nothing(smelter: FakeSmelter) -> None:
    operator().on_kill()
    assert smelter.requests == []
