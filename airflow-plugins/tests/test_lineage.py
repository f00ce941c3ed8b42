"""Lineage of smelter tasks: OpenLineage facets from the execution's result, and the extras of Asset events.

The execution results are real ones (lineage_results.py). The last class runs a DAG with ``dag.test()`` in a
fresh Airflow with the OpenLineage provider's listener and a file transport, and reads the events it wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from lineage_results import BRONZE_METRICS, EXTRACT_METRICS, SILVER_METRICS, execution
from smelter_airflow.exceptions import SmelterTaskFailed
from smelter_airflow.lineage import asset_extras, datasets, metrics_of
from smelter_airflow.operators.smelter import SmelterOperator
from smelter_fake import TOKEN, FakeSmelter

try:
    from airflow.sdk import Asset
    from airflow.sdk.execution_time.context import OutletEventAccessors
except ImportError:  # Airflow 2.10
    from airflow.datasets import Dataset as Asset  # type: ignore[no-redef]
    from airflow.utils.context import OutletEventAccessors  # type: ignore[no-redef]

PLUGIN_SRC = Path(__file__).resolve().parents[1] / "src"

try:
    import airflow.providers.openlineage  # noqa: F401

    HAS_PROVIDER = True
except ImportError:
    HAS_PROVIDER = False
needs_provider = pytest.mark.skipif(not HAS_PROVIDER, reason="apache-airflow-providers-openlineage not installed")

POSTS = Asset(uri="smelter://social/bronze/posts", name="smelter_social_bronze_posts")
COMMENTS = Asset(uri="smelter://social/bronze/comments", name="smelter_social_bronze_comments")
POSTS_FLAT = Asset(uri="smelter://social/silver/posts_flat", name="smelter_social_silver_posts_flat")


def operator(step: str = "bronze", **overrides: Any) -> SmelterOperator:
    kwargs: dict[str, Any] = {
        "task_id": f"{step}__posts",
        "pipeline": "social",
        "step": step,
        "table": "posts_flat" if step == "silver" else "posts",
        "deferrable": False,
        "poll_interval": 0.01,
        "max_poll_interval": 0.05,
    }
    kwargs.update(overrides)
    return SmelterOperator(**kwargs)


def run(smelter: FakeSmelter, context: dict[str, Any], task: SmelterOperator, metrics: Any) -> dict[str, Any]:
    smelter.outcome = {"status": "success", "metrics": metrics}
    smelter.polls_to_finish = 0
    return task.execute(context)


def summary(lineage: Any) -> dict[str, Any]:
    """An OperatorLineage as plain data: per dataset its facets' contents."""

    def dataset(d: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"namespace": d.namespace, "name": d.name}
        schema = (d.facets or {}).get("schema")
        if schema is not None:
            out["fields"] = [(f.name, f.type) for f in schema.fields]
        stats = (getattr(d, "outputFacets", None) or {}).get("outputStatistics")
        if stats is not None:
            out["rows"], out["bytes"] = stats.rowCount, stats.size
        return out

    return {"inputs": [dataset(d) for d in lineage.inputs], "outputs": [dataset(d) for d in lineage.outputs]}


class TestDatasets:
    def test_a_source_task_reports_the_datasets_of_each_of_its_tables(self) -> None:
        comments = json.loads(json.dumps(EXTRACT_METRICS).replace("posts", "comments"))
        result = execution(
            "extract", {"tables": {"posts": EXTRACT_METRICS, "comments": comments}}, table=None, source="db"
        )
        inputs, outputs = datasets(result)
        assert [d["name"] for d in inputs] == ["social.posts", "social.comments"]
        assert [d["name"] for d in outputs] == ["landing/social/posts", "landing/social/comments"]

    def test_a_chain_reports_every_step_once_and_what_a_step_wrote_for_the_next_is_both(self) -> None:
        result = execution(
            "extract",
            {"steps": {"extract": EXTRACT_METRICS, "bronze": BRONZE_METRICS, "silver posts_flat": SILVER_METRICS}},
            chain=True,
        )
        inputs, outputs = datasets(result)
        assert [d["layer"] for d in inputs] == ["source", "landing", "bronze"]
        assert [d["layer"] for d in outputs] == ["landing", "bronze", "silver"]

    def test_a_result_without_lineage_has_no_datasets(self) -> None:
        assert datasets(execution("bronze", {"inserted": 3})) == ([], [])
        assert datasets(execution("bronze", None)) == ([], [])


@needs_provider
class TestOperatorFacets:
    def test_the_start_names_nothing_yet(self) -> None:
        lineage = operator().get_openlineage_facets_on_start()
        assert (lineage.inputs, lineage.outputs) == ([], [])

    def test_extract_reads_the_source_table_and_writes_the_landing_folder(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        task = operator("extract")
        run(smelter, context, task, EXTRACT_METRICS)
        assert summary(task.get_openlineage_facets_on_complete(context["ti"])) == {
            "inputs": [
                {
                    "namespace": "mysql://db.internal:3306",
                    "name": "social.posts",
                    "fields": [
                        ("id", "bigint(20) unsigned"),
                        ("payload", "longtext"),
                        ("likes", "int(11)"),
                        ("updated_at", "datetime(6)"),
                    ],
                }
            ],
            "outputs": [
                {
                    "namespace": "s3://acme-landing",
                    "name": "landing/social/posts",
                    "fields": [
                        ("id", "UBIGINT"),
                        ("payload", "JSON"),
                        ("likes", "INTEGER"),
                        ("updated_at", "TIMESTAMP"),
                    ],
                    "rows": 40,
                    "bytes": 1368,
                }
            ],
        }

    def test_bronze_reads_the_landing_folder_and_writes_the_bronze_table(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        task = operator("bronze")
        run(smelter, context, task, BRONZE_METRICS)
        lineage = summary(task.get_openlineage_facets_on_complete(context["ti"]))
        assert [(d["namespace"], d["name"]) for d in lineage["inputs"]] == [
            ("s3://acme-landing", "landing/social/posts")
        ]
        (bronze,) = lineage["outputs"]
        assert (bronze["namespace"], bronze["name"]) == (
            "postgres://warehouse.internal:5432",
            "warehouse.social_bronze.posts",
        )
        assert bronze["fields"][:4] == [
            ("id", "numeric(20,0)"),
            ("payload", "jsonb"),
            ("likes", "integer"),
            ("updated_at", "timestamp without time zone"),
        ]
        assert (bronze["rows"], bronze["bytes"]) == (40, None)

    def test_silver_reads_bronze_and_writes_the_model(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        task = operator("silver")
        run(smelter, context, task, SILVER_METRICS)
        lineage = summary(task.get_openlineage_facets_on_complete(context["ti"]))
        assert lineage["inputs"] == [
            {"namespace": "postgres://warehouse.internal:5432", "name": "warehouse.social_bronze.posts"}
        ]
        (model,) = lineage["outputs"]
        assert model["name"] == "warehouse.social_silver.posts_flat"
        assert [name for name, _ in model["fields"]][:3] == ["id", "payload", "updated_at"]
        assert model["rows"] == 40

    def test_a_failed_execution_reports_no_dataset(self, smelter: FakeSmelter, context: dict[str, Any]) -> None:
        smelter.outcome = {
            "status": "failed",
            "error": {"type": "WarehouseUnavailable", "message": "connection refused", "retryable": True},
        }
        smelter.polls_to_finish = 0
        task = operator("bronze")
        with pytest.raises(SmelterTaskFailed):
            task.execute(context)
        lineage = task.get_openlineage_facets_on_failure(context["ti"])
        assert (lineage.inputs, lineage.outputs) == ([], [])

    def test_the_task_log_shows_the_counts_without_the_datasets(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        with capture_logs() as logs:
            returned = run(smelter, context, operator("bronze"), BRONZE_METRICS)
        assert returned["lineage"] == BRONZE_METRICS["lineage"], "XCom keeps the whole result"
        succeeded = [entry for entry in logs if "succeeded" in str(entry.get("event"))]
        assert succeeded and "warehouse.internal" not in json.dumps(succeeded, default=str)
        assert "'inserted': 40" in json.dumps(succeeded, default=str)


class TestImportGuard:
    def test_without_the_openlineage_provider_the_operator_runs_and_reports_no_lineage(self) -> None:
        # A fresh interpreter as without the provider: its packages are neither importable nor listed.
        script = textwrap.dedent(
            """
            import importlib.abc, importlib.metadata, sys

            import importlib_metadata

            HIDDEN = ("apache-airflow-providers-openlineage", "openlineage")

            class Block(importlib.abc.MetaPathFinder):
                def find_spec(self, name, path=None, target=None):
                    if name == "openlineage" or name.startswith(("openlineage.", "airflow.providers.openlineage")):
                        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                    return None

            def hide(module):
                listed = module.distributions
                module.distributions = lambda *a, **k: (
                    d for d in listed(*a, **k) if not str(d.metadata["Name"]).lower().startswith(HIDDEN)
                )

            sys.meta_path.insert(0, Block())
            hide(importlib.metadata)
            hide(importlib_metadata)
            from smelter_airflow.operators.smelter import SmelterOperator

            task = SmelterOperator(task_id="bronze__posts", pipeline="social", step="bronze", table="posts")
            task.execution = {"pipeline": "social", "metrics": {"lineage": {"inputs": [], "outputs": []}}}
            print(task.get_openlineage_facets_on_start(), task.get_openlineage_facets_on_complete(None))
            print(sorted(m for m in sys.modules if m.startswith(("openlineage", "airflow.providers.openlineage"))))
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONPATH": str(PLUGIN_SRC)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["None None", "[]"]


class TestAssetExtras:
    def test_a_bronze_task_tells_the_rows_and_versions_of_its_commit(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        context["outlet_events"] = events = OutletEventAccessors()
        run(smelter, context, operator("bronze", outlets=[POSTS]), BRONZE_METRICS)
        assert events[POSTS].extra == {
            "execution_id": "ex_1",
            "inserted": 40,
            "updated": 0,
            "deleted": 0,
            "unchanged": 0,
            "version_from": 1,
            "version_to": 1,
            "rows": 40,
        }

    def test_a_deferred_task_tells_them_when_it_resumes(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        context["outlet_events"] = events = OutletEventAccessors()
        finished = execution("bronze", BRONZE_METRICS, id="ex_7")
        smelter.executions["ex_7"] = finished
        operator("bronze", deferrable=True, outlets=[POSTS]).execute_complete(
            context, {"status": "success", "execution": finished}
        )
        assert (events[POSTS].extra["execution_id"], events[POSTS].extra["rows"]) == ("ex_7", 40)

    def test_a_silver_task_tells_its_models_merge(self, smelter: FakeSmelter, context: dict[str, Any]) -> None:
        context["outlet_events"] = events = OutletEventAccessors()
        run(smelter, context, operator("silver", outlets=[POSTS_FLAT]), SILVER_METRICS)
        extra = events[POSTS_FLAT].extra
        assert (extra["rows"], extra["version_from"], extra["version_to"]) == (40, 0, 1)

    def test_a_source_task_tells_each_table_its_own_counts(
        self, smelter: FakeSmelter, context: dict[str, Any]
    ) -> None:
        quiet = {"inserted": 0, "updated": 2, "deleted": 1, "unchanged": 5, "version_from": 7, "version_to": 7}
        context["outlet_events"] = events = OutletEventAccessors()
        task = operator("bronze", table=None, source="social_db", outlets=[POSTS, COMMENTS])
        run(smelter, context, task, {"tables": {"posts": BRONZE_METRICS, "comments": quiet}})
        assert events[POSTS].extra["rows"] == 40
        assert {k: events[COMMENTS].extra[k] for k in ("rows", "deleted", "version_to")} == {
            "rows": 3,
            "deleted": 1,
            "version_to": 7,
        }

    def test_assets_the_execution_did_not_write_are_left_alone(self) -> None:
        other = Asset(uri="smelter://shop/bronze/posts", name="smelter_shop_bronze_posts")
        plain = Asset(uri="s3://bucket/posts", name="posts_files")
        result = execution("bronze", BRONZE_METRICS)
        assert [asset for asset, _ in asset_extras([other, plain, POSTS_FLAT, POSTS], result)] == [POSTS]

    def test_a_chain_finds_the_metrics_of_its_later_steps(self) -> None:
        result = execution("extract", {"steps": {"bronze": BRONZE_METRICS, "silver posts_flat": SILVER_METRICS}})
        assert metrics_of(result, "bronze", "posts") is BRONZE_METRICS
        assert metrics_of(result, "silver", "posts_flat") is SILVER_METRICS
        assert metrics_of(result, "silver", "other") is None


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh Airflow home with a migrated SQLite metadata database."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run(
        [str(airflow), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return home


DAG_FILE = '''
import datetime

from airflow.sdk import DAG, Asset

from smelter_airflow.operators.smelter import SmelterOperator

with DAG(dag_id="smelter__social", schedule=None, start_date=datetime.datetime(2026, 1, 1)) as dag:
    SmelterOperator(
        task_id="bronze__posts",
        pipeline="social",
        step="bronze",
        table="posts",
        deferrable=False,
        poll_interval=0.05,
        outlets=[Asset(uri="smelter://social/bronze/posts", name="smelter_social_bronze_posts")],
    )

if __name__ == "__main__":
    import json

    from sqlalchemy import select

    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    print("STATE", dag.test().state)
    with create_session() as session:
        rows = session.execute(select(AssetModel.uri, AssetEvent.extra).join(AssetEvent.asset)).all()
        print("ASSET_EVENTS", json.dumps([[uri, extra] for uri, extra in rows]))
'''


@needs_provider
class TestEmittedByTheProvider:
    def test_the_listener_writes_start_and_complete_with_datasets_schemas_and_row_counts(
        self, smelter: FakeSmelter, airflow_home: Path, tmp_path: Path
    ) -> None:
        smelter.outcome = {"status": "success", "metrics": BRONZE_METRICS}
        smelter.polls_to_finish = 0
        dags = tmp_path / "dags"
        dags.mkdir()
        (dags / "smelter_social.py").write_text(DAG_FILE)
        events_file = tmp_path / "events.jsonl"
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
                {"type": "file", "log_file_path": str(events_file), "append": True}
            ),
            "AIRFLOW__OPENLINEAGE__NAMESPACE": "smelter-test",
        }
        done = subprocess.run(
            [sys.executable, str(dags / "smelter_social.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0 and "STATE success" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]

        raw = events_file.read_text()
        events = [json.loads(line) for line in raw.splitlines()]
        task_events = {e["eventType"]: e for e in events if e["job"]["name"] == "smelter__social.bronze__posts"}
        assert set(task_events) == {"START", "COMPLETE"}
        assert task_events["START"]["inputs"] == [] and task_events["START"]["outputs"] == []

        complete = task_events["COMPLETE"]
        assert complete["job"]["namespace"] == "smelter-test"
        (landing,) = complete["inputs"]
        assert (landing["namespace"], landing["name"]) == ("s3://acme-landing", "landing/social/posts")
        assert [f["name"] for f in landing["facets"]["schema"]["fields"]] == ["id", "payload", "likes", "updated_at"]
        (bronze,) = complete["outputs"]
        assert (bronze["namespace"], bronze["name"]) == (
            "postgres://warehouse.internal:5432",
            "warehouse.social_bronze.posts",
        )
        assert {(f["name"], f["type"]) for f in bronze["facets"]["schema"]["fields"]} >= {
            ("id", "numeric(20,0)"),
            ("payload", "jsonb"),
        }
        assert bronze["outputFacets"]["outputStatistics"]["rowCount"] == 40

        # Neither the service's token nor anything like a credential in what was emitted.
        assert TOKEN not in raw
        for dataset in complete["inputs"] + complete["outputs"]:
            assert "@" not in dataset["namespace"] and "password" not in json.dumps(dataset).lower()

        # The Asset event of the bronze table carries the commit's counts and versions.
        (line,) = [line for line in done.stdout.splitlines() if line.startswith("ASSET_EVENTS ")]
        asset_events = json.loads(line.removeprefix("ASSET_EVENTS "))
        assert [uri for uri, _ in asset_events] == ["smelter://social/bronze/posts"]
        extra = asset_events[0][1]
        assert (extra["rows"], extra["inserted"], extra["version_to"]) == (40, 40, 1)
