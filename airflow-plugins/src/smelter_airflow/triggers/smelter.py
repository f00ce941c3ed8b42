"""Trigger that waits for a smelter execution to end, polling its status from the triggerer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from smelter_airflow.exceptions import SmelterApiError
from smelter_airflow.executions import describe, is_terminal, next_interval
from smelter_airflow.hooks.smelter import LONG_POLL_SECONDS, SmelterHook


class SmelterExecutionTrigger(BaseTrigger):
    """Follows ``GET /api/v1/executions/{execution_id}`` until the execution ends, then fires one event.

    Each read is a long poll (``?wait=``): the service answers as soon as the status changes, so the end is
    seen when it happens. A service that answers at once (no long polling) is polled every ``poll_interval``
    seconds, growing to ``max_poll_interval`` while nothing changes.

    The event payload is ``{"status": "success"|"failed"|"cancelled", "execution": {...}}``, or
    ``{"status": "error", "execution": None, "execution_id", "message", "retryable"}`` when the execution
    cannot be followed (unknown id, token refused, connection missing). Network errors and busy answers
    are waited out. The trigger only reads, so the triggerer may restart it at any time.

    :param execution_id: id returned by the service when the execution was submitted.
    :param conn_id: Airflow connection of type ``smelter`` (default ``smelter_default``).
    :param poll_interval: seconds between polls at first and after any status change (default 5).
    :param max_poll_interval: ceiling for the wait, which grows while the status stays the same (default 60).
    :param not_before: Unix time before which no event fires (default None): an execution that ends sooner
        is reported at that moment, once Airflow has taken in that the deferring worker exited.
    """

    def __init__(
        self,
        execution_id: str,
        conn_id: str = SmelterHook.default_conn_name,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        not_before: float | None = None,
    ) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.conn_id = conn_id
        self.poll_interval = poll_interval
        self.max_poll_interval = max(poll_interval, max_poll_interval)
        self.not_before = not_before

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "execution_id": self.execution_id,
                "conn_id": self.conn_id,
                "poll_interval": self.poll_interval,
                "max_poll_interval": self.max_poll_interval,
                "not_before": self.not_before,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = SmelterHook(smelter_conn_id=self.conn_id)
        try:
            await hook.aget_conn()
        except Exception as error:  # any lookup failure ends the wait with a readable event
            await self._settle()
            yield self._error(f"Airflow connection '{self.conn_id}' is unusable: {error}", retryable=False)
            return
        interval = self.poll_interval
        last_status: str | None = None
        while True:
            asked = time.monotonic()
            try:
                execution = await hook.aget_execution(
                    self.execution_id, wait=LONG_POLL_SECONDS, status=last_status
                )
            except SmelterApiError as error:
                if not error.retryable:
                    await self._settle()
                    yield self._error(str(error), retryable=False)
                    return
                self.log.warning("%s; polling again in %.0f s", error, interval)
            else:
                if is_terminal(execution):
                    await self._settle()
                    yield TriggerEvent({"status": execution["status"], "execution": execution})
                    return
                if execution.get("status") != last_status:
                    self.log.info("%s is %s", describe(execution), execution.get("status"))
                    last_status = execution.get("status")
                    interval = self.poll_interval
                    continue
                if time.monotonic() - asked >= LONG_POLL_SECONDS / 2:
                    continue  # the service held the read: ask again at once
            await asyncio.sleep(interval)
            interval = next_interval(interval, self.max_poll_interval)

    async def _settle(self) -> None:
        """Wait until ``not_before``, if it is still ahead."""
        if self.not_before is not None and self.not_before > time.time():
            await asyncio.sleep(self.not_before - time.time())

    def _error(self, message: str, *, retryable: bool) -> TriggerEvent:
        return TriggerEvent(
            {
                "status": "error",
                "execution": None,
                "execution_id": self.execution_id,
                "message": message,
                "retryable": retryable,
            }
        )
