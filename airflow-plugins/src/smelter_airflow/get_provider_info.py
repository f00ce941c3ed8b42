"""Provider metadata read by Airflow's providers manager (entry point ``apache_airflow_provider``).

Kept free of Airflow imports: the providers manager loads it in every Airflow process.
"""

from __future__ import annotations

from typing import Any

# Declared here as data so Airflow 3.2+ can render the connection form without importing the hook;
# SmelterHook.get_ui_field_behaviour returns the same settings for older Airflow versions.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["login", "extra"],
    "relabeling": {"password": "Bearer token", "schema": "Scheme (http or https)"},
    "placeholders": {"host": "127.0.0.1", "port": "18300", "schema": "http", "password": "API token"},
}


def get_provider_info() -> dict[str, Any]:
    """Describe the package to Airflow: connection type ``smelter`` and the classes it provides."""
    return {
        "package-name": "smelter-airflow",
        "name": "Smelter",
        "description": "Run smelter pipeline steps (extract, bronze, silver) from Airflow.",
        "versions": ["0.1.0"],
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
            }
        ],
        "extra-links": ["smelter_airflow.links.smelter.SmelterExecutionLink"],
    }
