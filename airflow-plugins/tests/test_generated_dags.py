"""The DAG files smelter generates, as Airflow builds them: what their SmelterOperators end up with.

The files are the compiler's pinned output (test/golden of the repository), each made from the spec of the same
name in test/fixtures/specs: minimal.yaml sets ``airflow.deferrable: false``, per_source.yaml sets it to true
and social.yaml leaves it unset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smelter_airflow.operators.smelter import SmelterOperator

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2.10
    from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

GOLDEN = Path(__file__).resolve().parents[2] / "test" / "golden"


def smelter_tasks(name: str) -> list[SmelterOperator]:
    """Every task of every DAG of a generated file, parsed as the DAG processor parses it (afresh each call)."""
    path = GOLDEN / f"{name}.py"
    bag = DagBag(dag_folder=str(path), safe_mode=False)
    assert not bag.import_errors, bag.import_errors
    assert bag.dags, f"{path} defines no DAG"
    tasks = [task for dag in bag.dags.values() for task in dag.tasks]
    assert tasks and all(isinstance(task, SmelterOperator) for task in tasks)
    return tasks


class TestDeferrable:
    @pytest.mark.parametrize("configured", ["True", "False"])
    def test_a_spec_without_it_follows_airflows_default_deferrable(
        self, monkeypatch: pytest.MonkeyPatch, configured: str
    ) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", configured)
        tasks = smelter_tasks("social")
        assert {task.deferrable for task in tasks} == {configured == "True"}

    @pytest.mark.parametrize("configured", ["True", "False"])
    def test_a_spec_that_sets_true_defers_whatever_airflows_default(
        self, monkeypatch: pytest.MonkeyPatch, configured: str
    ) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", configured)
        tasks = smelter_tasks("per_source")
        assert {task.deferrable for task in tasks} == {True}

    @pytest.mark.parametrize("configured", ["True", "False"])
    def test_a_spec_that_sets_false_polls_in_the_worker_whatever_airflows_default(
        self, monkeypatch: pytest.MonkeyPatch, configured: str
    ) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", configured)
        tasks = smelter_tasks("minimal")
        assert {task.deferrable for task in tasks} == {False}


class TestLayoutTable:
    def test_each_table_is_one_task_that_chains_its_steps(self) -> None:
        tasks = smelter_tasks("per_table")
        assert sorted((t.task_id, t.step, t.table, t.chain) for t in tasks) == [
            ("table__customers", "extract", "customers", True),
            ("table__orders", "extract", "orders", True),
        ]
        assert all(not t.upstream_task_ids for t in tasks)

    def test_a_task_per_step_does_not_chain(self) -> None:
        assert {task.chain for task in smelter_tasks("social")} == {False}
