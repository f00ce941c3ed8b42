"""Extra link "smelter execution": the service's page for the execution a task started."""

from __future__ import annotations

from typing import Any

from smelter_airflow._compat import BaseOperatorLink, XCom

EXECUTION_ID_XCOM_KEY = "smelter_execution_id"
"""XCom key holding the id of the execution the task started (for downstream tasks and the link)."""

EXECUTION_URL_XCOM_KEY = "smelter_execution_url"
"""XCom key holding the execution page URL; Airflow 3 reads the link straight from it."""


def execution_url(execution: dict[str, Any], service_url: str) -> str:
    """The execution's UI page: the URL the service reports, else ``<service>/ui/executions/<id>``."""
    links = execution.get("links") or {}
    return links.get("ui") or f"{service_url.rstrip('/')}/ui/executions/{execution['id']}"


class SmelterExecutionLink(BaseOperatorLink):
    """Button "smelter execution" on SmelterOperator task instances, opening the execution's page."""

    name = "smelter execution"

    @property
    def xcom_key(self) -> str:
        return EXECUTION_URL_XCOM_KEY

    @staticmethod
    def persist(context: Any, execution_id: str, url: str) -> None:
        """Record the execution id and page URL of the running task instance in XCom."""
        ti = context["ti"]
        ti.xcom_push(key=EXECUTION_ID_XCOM_KEY, value=execution_id)
        ti.xcom_push(key=EXECUTION_URL_XCOM_KEY, value=url)

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return XCom.get_value(ti_key=ti_key, key=EXECUTION_URL_XCOM_KEY) or ""
