"""Fixtures: a contract-speaking fake smelter service on 127.0.0.1 and a task context that records XComs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest

from smelter_fake import TOKEN, FakeSmelter, serve


@pytest.fixture
def smelter(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmelter]:
    """A running fake service, reachable through the Airflow connection ``smelter_default``."""
    fake = FakeSmelter()
    server = serve(fake)
    port = server.server_address[1]
    conn = {"conn_type": "smelter", "host": "127.0.0.1", "port": port, "schema": "http", "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_SMELTER_DEFAULT", json.dumps(conn))
    yield fake
    server.shutdown()
    server.server_close()


@dataclass
class RecordingTaskInstance:
    """Stands in for the running task instance: the identity fields and xcom_push the operator uses."""

    dag_id: str = "smelter__social"
    run_id: str = "scheduled__2026-11-21T00:00:00+00:00"
    task_id: str = "bronze__posts"
    map_index: int = -1
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


@pytest.fixture
def context() -> dict[str, Any]:
    """A task context with the keys the operator reads."""
    ti = RecordingTaskInstance()
    return {"ti": ti, "run_id": ti.run_id, "logical_date": datetime(2026, 11, 21, tzinfo=timezone.utc)}
