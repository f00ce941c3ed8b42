"""The hook, trigger and operator against a running smelter service.

Skipped unless ``SMELTER_SERVICE_URL`` is set and answers ``/healthz``; the token is ``SMELTER_API_TOKEN``
(default ``dev-token``). The full run needs a pipeline the service knows: ``SMELTER_TEST_PIPELINE`` and
``SMELTER_TEST_TABLE`` (optionally ``SMELTER_TEST_STEP``, default ``extract``).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import RecordingTaskInstance
from smelter_airflow._compat import AirflowException
from smelter_airflow.exceptions import SmelterApiError
from smelter_airflow.hooks.smelter import SmelterHook
from smelter_airflow.operators.smelter import SmelterOperator
from smelter_airflow.triggers.smelter import SmelterExecutionTrigger

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 2.10
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]

SERVICE_URL = os.environ.get("SMELTER_SERVICE_URL", "").rstrip("/")


def service_is_up() -> bool:
    if not SERVICE_URL:
        return False
    try:
        return httpx.get(f"{SERVICE_URL}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


pytestmark = pytest.mark.skipif(not service_is_up(), reason="SMELTER_SERVICE_URL not set or not reachable")


@pytest.fixture(autouse=True)
def smelter_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    url = urlsplit(SERVICE_URL)
    conn = {
        "conn_type": "smelter",
        "host": url.hostname,
        "port": url.port,
        "schema": url.scheme,
        "password": os.environ.get("SMELTER_API_TOKEN", "dev-token"),
    }
    monkeypatch.setenv("AIRFLOW_CONN_SMELTER_DEFAULT", json.dumps(conn))


def test_connection_test_passes() -> None:
    ok, message = SmelterHook().test_connection()
    assert ok, message


def test_an_unknown_pipeline_is_refused_without_retry() -> None:
    request = {
        "pipeline": f"missing_{uuid.uuid4().hex[:8]}",
        "step": "extract",
        "table": "t",
        "idempotency_key": f"it/{uuid.uuid4()}/t/-1/1",
    }
    with pytest.raises(SmelterApiError) as raised:
        SmelterHook().submit(request)
    assert raised.value.status in (400, 404) and not raised.value.retryable


def test_an_unknown_execution_is_not_found() -> None:
    with pytest.raises(SmelterApiError) as raised:
        SmelterHook().get_execution("ex_does_not_exist")
    assert raised.value.status == 404


async def first_event(trigger: SmelterExecutionTrigger) -> dict[str, Any]:
    async for event in trigger.run():
        return event.payload
    raise AssertionError("the trigger ended without an event")


def test_the_trigger_reports_an_unknown_execution_as_an_error() -> None:
    payload = asyncio.run(first_event(SmelterExecutionTrigger("ex_does_not_exist", poll_interval=0.1)))
    assert payload["status"] == "error" and payload["retryable"] is False


@pytest.mark.skipif(
    not (os.environ.get("SMELTER_TEST_PIPELINE") and os.environ.get("SMELTER_TEST_TABLE")),
    reason="SMELTER_TEST_PIPELINE and SMELTER_TEST_TABLE name no pipeline to run",
)
def test_a_deferred_run_ends_with_metrics_or_a_mapped_failure() -> None:
    ti = RecordingTaskInstance(run_id=f"it__{uuid.uuid4()}")
    context = {"ti": ti, "run_id": ti.run_id, "logical_date": datetime.now(timezone.utc)}
    operator = SmelterOperator(
        task_id="it_run",
        pipeline=os.environ["SMELTER_TEST_PIPELINE"],
        step=os.environ.get("SMELTER_TEST_STEP", "extract"),
        table=os.environ["SMELTER_TEST_TABLE"],
        deferrable=True,
        poll_interval=0.5,
    )
    try:
        result = operator.execute(context)
    except TaskDeferred as deferred:
        event = asyncio.run(asyncio.wait_for(first_event(deferred.trigger), timeout=300))
        assert event["status"] in ("success", "failed", "cancelled"), event
        try:
            result = operator.execute_complete(context, event)
        except AirflowException:
            assert event["status"] != "success"
            return
    assert isinstance(result, dict)
    again = operator.hook.submit(operator.build_request(context))
    assert again["id"] == ti.xcoms["smelter_execution_id"], (
        "the same idempotency key started a second execution"
    )
