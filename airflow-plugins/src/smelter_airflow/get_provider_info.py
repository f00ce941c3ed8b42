"""Provider metadata read by Airflow's providers manager (entry point ``apache_airflow_provider``).

Kept free of Airflow imports: the providers manager loads it in every Airflow process.
"""

from __future__ import annotations

from typing import Any

from smelter_airflow import __version__

# Declared here as data so Airflow 3.2+ can render the connection form without importing the hook;
# SmelterHook.get_ui_field_behaviour and get_connection_form_widgets return the same for older versions.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["login", "extra"],
    "relabeling": {"password": "Bearer token", "schema": "Scheme (http or https)"},
    "placeholders": {"host": "127.0.0.1", "port": "18300", "schema": "http", "password": "API token"},
}

# The connection's extra fields (see smelter_airflow.hooks.smelter for how they are read).
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "verify_tls": {
        "label": "Verify TLS certificate",
        "schema": {"type": ["boolean", "null"], "default": True},
        "description": "Check the service's certificate (https only); turn off only for a test service.",
    },
    "ca_bundle": {
        "label": "CA bundle",
        "schema": {"type": ["string", "null"]},
        "description": "PEM file of the CAs that sign the service's certificate (default: the system's CAs).",
    },
    "timeout": {
        "label": "Request timeout (seconds)",
        "schema": {"type": ["number", "null"], "default": 30, "minimum": 1},
        "description": "Seconds allowed for each request to the service.",
    },
}


def get_provider_info() -> dict[str, Any]:
    """Describe the package to Airflow: connection type ``smelter`` and the classes it provides."""
    return {
        "package-name": "smelter-airflow",
        "name": "Smelter",
        "description": "Run smelter pipeline steps (extract, bronze, silver) from Airflow.",
        "versions": [__version__],
        "integrations": [
            {"integration-name": "Smelter", "tags": ["service"]},
        ],
        "hooks": [
            {"integration-name": "Smelter", "python-modules": ["smelter_airflow.hooks.smelter"]},
        ],
        "operators": [
            {"integration-name": "Smelter", "python-modules": ["smelter_airflow.operators.smelter"]},
        ],
        "triggers": [
            {"integration-name": "Smelter", "python-modules": ["smelter_airflow.triggers.smelter"]},
        ],
        "connection-types": [
            {
                "connection-type": "smelter",
                "hook-class-name": "smelter_airflow.hooks.smelter.SmelterHook",
                "hook-name": "Smelter",
                "ui-field-behaviour": {
                    "hidden-fields": UI_FIELD_BEHAVIOUR["hidden_fields"],
                    "relabeling": UI_FIELD_BEHAVIOUR["relabeling"],
                    "placeholders": UI_FIELD_BEHAVIOUR["placeholders"],
                },
                "conn-fields": CONN_FIELDS,
            }
        ],
        "extra-links": ["smelter_airflow.links.smelter.SmelterExecutionLink"],
    }
