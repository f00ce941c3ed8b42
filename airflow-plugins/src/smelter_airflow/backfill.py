"""Backfills asked for by a DAG run's conf: which extract tasks read a range again, and which skip."""

from __future__ import annotations

from typing import Any

from smelter_airflow._compat import AirflowSkipException
from smelter_airflow.exceptions import SmelterTaskFailedNoRetry

CONF_KEY = "backfill"


def _values(value: Any, where: str) -> list[Any] | None:
    """A range end as the service takes it: a list of column values, or None for an open end."""
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        return value
    raise SmelterTaskFailedNoRetry(f"{where} must be a value or a non-empty list of values, got {value!r}")


def backfill_range(conf: Any, step: str, table: str | None, source: str | None) -> dict[str, Any] | None:
    """The range a run's conf asks this task to read again, or None for the task's usual run.

    A backfill run is triggered with ``conf={"backfill": {"tables": ["posts"], "by": "cursor",
    "from": ..., "to": ...}}`` (``by`` is ``cursor`` or ``key``, default ``cursor``; ``from`` is
    inclusive, ``to`` exclusive, either a value, a list of values for several columns, or absent for an
    open end). The extract task of a named table reads that range again without moving its watermark; the
    extract task of any other table is skipped, and so are the steps after it; bronze and silver tasks of
    the named tables run as usual and apply what the backfill landed. Raises ``AirflowSkipException`` to
    skip, and fails without retry on a malformed conf.
    """
    spec = conf.get(CONF_KEY) if isinstance(conf, dict) else None
    if spec is None or step != "extract":
        return None
    where = f"dag_run.conf.{CONF_KEY}"
    if not isinstance(spec, dict):
        raise SmelterTaskFailedNoRetry(f"{where} must be an object with tables, by, from and to")
    tables = spec.get("tables")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, str) for t in tables):
        raise SmelterTaskFailedNoRetry(f"{where}.tables must be a non-empty list of table names")
    if source is not None:
        raise SmelterTaskFailedNoRetry(
            f"{where}: a backfill names tables, but this DAG runs a task per source ({source}); "
            "generate it with airflow.granularity: table, or backfill from the command line or the API"
        )
    if table not in tables:
        raise AirflowSkipException(f"this backfill run reads {', '.join(tables)} only, not {table}")
    by = spec.get("by", "cursor")
    if by not in ("cursor", "key"):
        raise SmelterTaskFailedNoRetry(f"{where}.by must be cursor or key, got {by!r}")
    return {
        "by": by,
        "from": _values(spec.get("from"), f"{where}.from"),
        "to": _values(spec.get("to"), f"{where}.to"),
    }
