"""Airflow plugin (entry point ``airflow.plugins``): the execution link and a "smelter" UI menu entry."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from airflow.plugins_manager import AirflowPlugin

from smelter_airflow._compat import Connection
from smelter_airflow.connection import endpoint_from_connection
from smelter_airflow.hooks.smelter import SmelterHook
from smelter_airflow.links.smelter import SmelterExecutionLink

DEFAULT_SERVICE_URL = "http://127.0.0.1:18300"

log = logging.getLogger(__name__)


def service_url_from_environment(env: Mapping[str, str] = os.environ) -> str:
    """The smelter service URL as browsers reach it, found without database or network access.

    Uses ``SMELTER_PUBLIC_URL`` when it is an http(s) URL (like the service's setting of that name: the address
    people reach the service at, when Airflow calls it at one only Airflow can reach), else
    ``AIRFLOW_CONN_SMELTER_DEFAULT`` (JSON or URI form) when it parses, else ``SMELTER_SERVICE_URL``, else
    http://127.0.0.1:18300. A connection stored only in the metadata database is not read here: plugins load
    in every Airflow process, before any database session is appropriate.
    """
    public = env.get("SMELTER_PUBLIC_URL", "").strip()
    if public.startswith(("http://", "https://")):
        return public.rstrip("/")
    if public:
        log.warning("ignoring SMELTER_PUBLIC_URL for the smelter menu link: %r is not an http(s) URL", public)
    conn_id = SmelterHook.default_conn_name
    raw = env.get(f"AIRFLOW_CONN_{conn_id.upper()}", "").strip()
    if raw:
        try:
            if raw.startswith("{"):
                conn = Connection.from_json(raw, conn_id=conn_id)
            else:
                # uri= works on Airflow 2.10 and 3 alike; attrs hides it from type checkers.
                conn = Connection(conn_id=conn_id, uri=raw)  # type: ignore[call-arg]
            return endpoint_from_connection(conn).base_url
        except Exception as error:  # a malformed variable must not stop Airflow from loading plugins
            log.warning("ignoring AIRFLOW_CONN_%s for the smelter menu link: %s", conn_id.upper(), error)
    return env.get("SMELTER_SERVICE_URL", DEFAULT_SERVICE_URL).rstrip("/")


class SmelterPlugin(AirflowPlugin):
    """Registers SmelterExecutionLink and, on Airflow 3, a "smelter" menu entry opening the service UI."""

    name = "smelter"
    operator_extra_links = [SmelterExecutionLink()]
    external_views = [
        {
            "name": "smelter",
            "href": f"{service_url_from_environment()}/ui/",
            "destination": "nav",
            "category": "browse",
        }
    ]
