from __future__ import annotations

import json
import time
from typing import Any

import pytest

from smelter_airflow.hooks.smelter import SmelterHook
from smelter_airflow.triggers.smelter import SmelterExecutionTrigger
from smelter_fake import TOKEN, FakeSmelter


def submit(smelter: FakeSmelter) -> str:
    body = {"pipeline": "social", "step": "bronze", "table": "posts", "idempotency_key": "d/r/t/-1/1"}
    return SmelterHook().submit(body)["id"]


def fast_trigger(execution_id: str, **overrides: Any) -> SmelterExecutionTrigger:
    kwargs: dict[str, Any] = {"execution_id": execution_id, "poll_interval": 0.01, "max_poll_interval": 0.05}
    kwargs.update(overrides)
    return SmelterExecutionTrigger(**kwargs)


async def only_event(trigger: SmelterExecutionTrigger) -> dict[str, Any]:
    events = [event async for event in trigger.run()]
    assert len(events) == 1
    return events[0].payload


class TestSerialization:
    def test_classpath_is_importable_and_kwargs_recreate_an_equal_trigger(self) -> None:
        trigger = SmelterExecutionTrigger(
            "ex_7", conn_id="smelter_prod", poll_interval=2.0, max_poll_interval=30.0
        )
        classpath, kwargs = trigger.serialize()
        module_name, _, class_name = classpath.rpartition(".")
        cls = getattr(__import__(module_name, fromlist=[class_name]), class_name)
        assert cls is SmelterExecutionTrigger
        assert cls(**kwargs).serialize() == (classpath, kwargs)
        assert kwargs == {
            "execution_id": "ex_7",
            "conn_id": "smelter_prod",
            "poll_interval": 2.0,
            "max_poll_interval": 30.0,
            "not_before": None,
        }

    def test_kwargs_are_plain_json(self) -> None:
        _, kwargs = SmelterExecutionTrigger("ex_1").serialize()
        assert json.loads(json.dumps(kwargs)) == kwargs

    def test_max_poll_interval_is_never_below_poll_interval(self) -> None:
        assert SmelterExecutionTrigger("ex_1", poll_interval=10, max_poll_interval=1).max_poll_interval == 10


class TestRun:
    async def test_fires_success_with_the_execution_once_it_ends(self, smelter: FakeSmelter) -> None:
        smelter.polls_to_finish = 3
        execution_id = submit(smelter)
        payload = await only_event(fast_trigger(execution_id))
        assert payload["status"] == "success"
        assert payload["execution"]["metrics"] == {"rows_read": 3}
        assert smelter.polls[execution_id] == 3

    async def test_long_polls_with_the_status_it_has_and_asks_again_at_once_when_held(
        self, smelter: FakeSmelter, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("smelter_airflow.triggers.smelter.LONG_POLL_SECONDS", 0.2)
        smelter.hold_seconds = 0.2
        smelter.polls_to_finish = 4
        execution_id = submit(smelter)
        started = time.monotonic()
        payload = await only_event(fast_trigger(execution_id, poll_interval=30, max_poll_interval=60))
        assert payload["status"] == "success"
        assert time.monotonic() - started < 5
        reads = smelter.requested("GET", f"/api/v1/executions/{execution_id}")
        assert [r.query.get("status") for r in reads] == [None, ["running"], ["running"], ["running"]]
        assert all(r.query["wait"] == ["0.2"] for r in reads)

    async def test_a_service_answering_at_once_is_polled_every_poll_interval(
        self, smelter: FakeSmelter
    ) -> None:
        smelter.polls_to_finish = 3
        started = time.monotonic()
        payload = await only_event(fast_trigger(submit(smelter), poll_interval=0.3, max_poll_interval=0.3))
        assert payload["status"] == "success"
        assert time.monotonic() - started >= 0.3

    async def test_holds_the_event_until_not_before(self, smelter: FakeSmelter) -> None:
        smelter.polls_to_finish = 0
        not_before = time.time() + 0.5
        payload = await only_event(fast_trigger(submit(smelter), not_before=not_before))
        assert payload["status"] == "success"
        assert time.time() >= not_before

    @pytest.mark.parametrize("status", ["failed", "cancelled"])
    async def test_fires_the_terminal_status(self, smelter: FakeSmelter, status: str) -> None:
        smelter.outcome = {"status": status, "error": {"type": "X", "message": "m", "retryable": False}}
        payload = await only_event(fast_trigger(submit(smelter)))
        assert payload["status"] == status
        assert payload["execution"]["error"]["type"] == "X"

    async def test_keeps_polling_through_unavailable_answers(self, smelter: FakeSmelter) -> None:
        execution_id = submit(smelter)
        smelter.flaky_gets = 3
        payload = await only_event(fast_trigger(execution_id))
        assert payload["status"] == "success"
        assert len(smelter.requested("GET", f"/api/v1/executions/{execution_id}")) == 4

    async def test_fires_a_non_retryable_error_for_an_unknown_execution(self, smelter: FakeSmelter) -> None:
        payload = await only_event(fast_trigger("ex_404"))
        assert payload["status"] == "error" and payload["retryable"] is False
        assert payload["execution_id"] == "ex_404"
        assert "GET /api/v1/executions/ex_404" in payload["message"]

    async def test_fires_an_error_when_the_connection_is_missing(self, smelter: FakeSmelter) -> None:
        payload = await only_event(fast_trigger("ex_1", conn_id="smelter_nowhere"))
        assert payload["status"] == "error"
        assert "smelter_nowhere" in payload["message"]

    async def test_a_restarted_trigger_only_reads(self, smelter: FakeSmelter) -> None:
        smelter.polls_to_finish = 0
        execution_id = submit(smelter)
        trigger = fast_trigger(execution_id)
        first, second = await only_event(trigger), await only_event(trigger)
        assert first == second
        assert {r.method for r in smelter.requests if r.path != "/api/v1/executions"} == {"GET"}

    async def test_never_puts_the_token_in_an_event(self, smelter: FakeSmelter) -> None:
        payload = await only_event(fast_trigger("ex_404"))
        assert TOKEN not in json.dumps(payload)
