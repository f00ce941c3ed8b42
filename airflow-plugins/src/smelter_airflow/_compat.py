"""Airflow base classes from where Airflow 3 puts them, falling back to their Airflow 2.10 homes."""

from __future__ import annotations

try:
    from airflow.sdk import BaseHook, BaseOperator, BaseOperatorLink, Connection
    from airflow.sdk.configuration import conf
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
    from airflow.sdk.execution_time.xcom import XCom
except ImportError:  # Airflow 2.10
    from airflow.configuration import conf  # type: ignore
    from airflow.exceptions import (  # type: ignore
        AirflowException,
        AirflowFailException,
        AirflowSkipException,
    )
    from airflow.hooks.base import BaseHook  # type: ignore
    from airflow.models import BaseOperator, BaseOperatorLink  # type: ignore
    from airflow.models.connection import Connection  # type: ignore
    from airflow.models.xcom import XCom  # type: ignore

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "Connection",
    "XCom",
    "conf",
]
