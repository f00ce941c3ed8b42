from __future__ import annotations

from typing import Any

from smelter_airflow.links.smelter import (
    EXECUTION_ID_XCOM_KEY,
    EXECUTION_URL_XCOM_KEY,
    SmelterExecutionLink,
    execution_url,
)
from smelter_airflow.operators.smelter import SmelterOperator


def test_url_is_the_page_the_service_reports() -> None:
    execution = {"id": "ex_1", "links": {"ui": "https://smelter.example.com/ui/executions/ex_1"}}
    assert (
        execution_url(execution, "http://127.0.0.1:18300") == "https://smelter.example.com/ui/executions/ex_1"
    )


def test_url_falls_back_to_the_service_ui_path() -> None:
    assert execution_url({"id": "ex_1", "links": None}, "http://h:1/") == "http://h:1/ui/executions/ex_1"


def test_persist_stores_the_execution_id_and_the_page(context: dict[str, Any]) -> None:
    SmelterExecutionLink.persist(context, "ex_3", "http://h/ui/executions/ex_3")
    assert context["ti"].xcoms == {
        EXECUTION_ID_XCOM_KEY: "ex_3",
        EXECUTION_URL_XCOM_KEY: "http://h/ui/executions/ex_3",
    }


def test_the_link_reads_the_key_the_operator_writes() -> None:
    (link,) = SmelterOperator.operator_extra_links
    assert isinstance(link, SmelterExecutionLink)
    assert (link.name, link.xcom_key) == ("smelter execution", EXECUTION_URL_XCOM_KEY)


def test_a_dag_serializes_the_link_as_name_and_xcom_key() -> None:
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG("smelter__social", schedule=None) as dag:
        SmelterOperator(task_id="bronze__posts", pipeline="social", step="bronze", table="posts")
    (task,) = DagSerialization.to_dict(dag)["dag"]["tasks"]
    assert task["__var"]["_operator_extra_links"] == {"smelter execution": EXECUTION_URL_XCOM_KEY}
