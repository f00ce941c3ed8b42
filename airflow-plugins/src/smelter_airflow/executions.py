"""Facts about smelter executions shared by the operator and the trigger."""

from __future__ import annotations

from typing import Any

STEPS = ("extract", "bronze", "silver")
TERMINAL_STATUSES = frozenset({"success", "failed", "cancelled"})
# Each poll that finds the status unchanged waits this much longer, up to the caller's maximum.
BACKOFF_FACTOR = 1.5


def is_terminal(execution: dict[str, Any]) -> bool:
    """True once the execution has ended (success, failed or cancelled)."""
    return execution.get("status") in TERMINAL_STATUSES


def next_interval(current: float, maximum: float) -> float:
    """The wait before the next poll when nothing changed: ``current`` grown by BACKOFF_FACTOR, capped."""
    return min(maximum, current * BACKOFF_FACTOR)


def describe(execution: dict[str, Any]) -> str:
    """Human name of an execution: ``smelter execution ex_1 (social/bronze/posts)``."""
    target = execution.get("table") or execution.get("source") or "?"
    return (
        f"smelter execution {execution.get('id')} "
        f"({execution.get('pipeline')}/{execution.get('step')}/{target})"
    )
