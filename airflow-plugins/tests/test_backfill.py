from __future__ import annotations

import pytest

from smelter_airflow._compat import AirflowFailException, AirflowSkipException
from smelter_airflow.backfill import backfill_range

CONF = {"backfill": {"tables": ["posts"], "from": "2026-01-01", "to": ["2026-02-01"]}}


def test_a_run_without_a_backfill_is_the_usual_run() -> None:
    assert backfill_range({}, "extract", "posts", None) is None
    assert backfill_range(None, "extract", "posts", None) is None


def test_the_extract_of_a_named_table_reads_the_range_by_cursor_by_default() -> None:
    assert backfill_range(CONF, "extract", "posts", None) == {
        "by": "cursor",
        "from": ["2026-01-01"],
        "to": ["2026-02-01"],
    }


def test_a_key_range_may_be_open_at_either_end() -> None:
    conf = {"backfill": {"tables": ["posts"], "by": "key", "from": [10, "a"]}}
    assert backfill_range(conf, "extract", "posts", None) == {"by": "key", "from": [10, "a"], "to": None}


def test_the_extract_of_another_table_is_skipped() -> None:
    with pytest.raises(AirflowSkipException, match="reads posts only, not users"):
        backfill_range(CONF, "extract", "users", None)


def test_bronze_and_silver_run_as_usual() -> None:
    assert backfill_range(CONF, "bronze", "posts", None) is None
    assert backfill_range(CONF, "silver", "posts_flat", None) is None


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"backfill": []}, "must be an object"),
        ({"backfill": {"tables": []}}, "tables must be a non-empty list"),
        ({"backfill": {"tables": ["posts"], "by": "time"}}, "by must be cursor or key"),
        ({"backfill": {"tables": ["posts"], "from": {"a": 1}}}, "from must be a value or a non-empty list"),
    ],
)
def test_a_malformed_conf_fails_without_retry(conf: dict, message: str) -> None:
    with pytest.raises(AirflowFailException, match=message):
        backfill_range(conf, "extract", "posts", None)


def test_a_task_per_source_cannot_backfill_some_tables() -> None:
    with pytest.raises(AirflowFailException, match="runs a task per source"):
        backfill_range(CONF, "extract", None, "social_db")
