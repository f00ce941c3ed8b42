from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

import pytest

import smelter_airflow
from smelter_airflow.get_provider_info import get_provider_info
from smelter_airflow.hooks.smelter import SmelterHook
from smelter_airflow.links.smelter import SmelterExecutionLink
from smelter_airflow.plugins import SmelterPlugin, service_url_from_environment

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def installed(group: str) -> list[str]:
    return [ep.value for ep in entry_points(group=group) if ep.value.startswith("smelter_airflow")]


class TestServiceUrl:
    def test_comes_from_the_json_form_of_the_default_connection(self) -> None:
        raw = '{"conn_type":"smelter","host":"10.0.0.5","port":18300,"schema":"https","password":"<token>"}'
        env = {"AIRFLOW_CONN_SMELTER_DEFAULT": raw, "SMELTER_SERVICE_URL": "http://ignored"}
        assert service_url_from_environment(env) == "https://10.0.0.5:18300"

    def test_comes_from_the_uri_form_of_the_default_connection(self) -> None:
        env = {"AIRFLOW_CONN_SMELTER_DEFAULT": "smelter://:tok3n@smelter.internal:8080/https"}
        assert service_url_from_environment(env) == "https://smelter.internal:8080"

    def test_is_the_public_url_when_airflow_reaches_the_service_at_another_address(self) -> None:
        raw = '{"conn_type":"smelter","host":"smelter","port":18300,"schema":"http","password":"<token>"}'
        env = {"AIRFLOW_CONN_SMELTER_DEFAULT": raw, "SMELTER_PUBLIC_URL": "http://127.0.0.1:18300/"}
        assert service_url_from_environment(env) == "http://127.0.0.1:18300"

    def test_ignores_a_public_url_that_is_not_http(self) -> None:
        raw = '{"conn_type":"smelter","host":"smelter","port":18300,"schema":"http","password":"<token>"}'
        env = {"AIRFLOW_CONN_SMELTER_DEFAULT": raw, "SMELTER_PUBLIC_URL": "127.0.0.1:18300"}
        assert service_url_from_environment(env) == "http://smelter:18300"

    def test_falls_back_to_smelter_service_url(self) -> None:
        assert service_url_from_environment({"SMELTER_SERVICE_URL": "http://svc:9/"}) == "http://svc:9"

    def test_defaults_to_the_local_stack(self) -> None:
        assert service_url_from_environment({}) == "http://127.0.0.1:18300"

    def test_ignores_a_malformed_connection(self) -> None:
        assert (
            service_url_from_environment({"AIRFLOW_CONN_SMELTER_DEFAULT": "{not json"})
            == "http://127.0.0.1:18300"
        )


class TestRegistration:
    def test_plugin_registers_the_link_and_a_menu_entry_for_the_service_ui(self) -> None:
        assert [type(link) for link in SmelterPlugin.operator_extra_links] == [SmelterExecutionLink]
        (view,) = SmelterPlugin.external_views
        assert view["name"] == "smelter" and view["href"].endswith("/ui/")

    def test_entry_points_name_the_plugin_and_the_provider_info(self) -> None:
        assert installed("airflow.plugins") == ["smelter_airflow.plugins:SmelterPlugin"]
        assert installed("apache_airflow_provider") == ["smelter_airflow.get_provider_info:get_provider_info"]

    def test_provider_info_declares_the_smelter_connection_type(self) -> None:
        info = get_provider_info()
        assert info["package-name"] == "smelter-airflow"
        (conn_type,) = info["connection-types"]
        module_name, _, class_name = conn_type["hook-class-name"].rpartition(".")
        assert getattr(import_module(module_name), class_name) is SmelterHook
        assert conn_type["connection-type"] == SmelterHook.conn_type == "smelter"

    def test_provider_info_passes_airflow_runtime_schema(self) -> None:
        jsonschema = pytest.importorskip("jsonschema")
        schema_path = Path(import_module("airflow").__file__).parent / "provider_info.schema.json"
        jsonschema.validate(get_provider_info(), json.loads(schema_path.read_text()))

    def test_connection_form_fields_pass_airflows_provider_schema(self) -> None:
        jsonschema = pytest.importorskip("jsonschema")
        schema_path = Path(import_module("airflow").__file__).parent / "provider.yaml.schema.json"
        connection_type = json.loads(schema_path.read_text())["properties"]["connection-types"]["items"]
        if "conn-fields" not in connection_type["properties"]:
            pytest.skip("this Airflow declares no conn-fields (before 3.2)")
        (declared,) = get_provider_info()["connection-types"]
        jsonschema.validate(declared["conn-fields"], connection_type["properties"]["conn-fields"])
        assert sorted(declared["conn-fields"]) == ["ca_bundle", "timeout", "verify_tls"]

    def test_older_airflow_gets_the_same_form_fields_from_the_hook(self) -> None:
        pytest.importorskip("wtforms")
        pytest.importorskip("flask_appbuilder")
        (declared,) = get_provider_info()["connection-types"]
        assert sorted(SmelterHook.get_connection_form_widgets()) == sorted(declared["conn-fields"])


class TestVersion:
    def test_is_written_once_in_the_package(self) -> None:
        pyproject = tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text())
        assert "version" not in pyproject["project"] and pyproject["project"]["dynamic"] == ["version"]
        assert pyproject["tool"]["hatch"]["version"]["path"] == "src/smelter_airflow/__init__.py"

    def test_airflow_is_told_the_packages_version(self) -> None:
        assert get_provider_info()["versions"] == [smelter_airflow.__version__]

    def test_the_package_ships_a_readme_and_the_license(self) -> None:
        pyproject = tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text())
        assert (PACKAGE_ROOT / pyproject["project"]["readme"]).is_file()
        assert "Apache License" in (PACKAGE_ROOT / "LICENSE").read_text()
        assert "Framework :: Apache Airflow :: Provider" in pyproject["project"]["classifiers"]


def test_airflow_lists_the_plugin_without_import_errors(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = Path(sys.executable).with_name("airflow")
    listed = subprocess.run(
        [str(airflow), "plugins", "--output", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    plugins = json.loads(listed.stdout)
    # Providers bring plugins of their own (the OpenLineage provider's listener): smelter's is there once.
    assert [plugin["name"] for plugin in plugins].count("smelter") == 1
    assert "already registered" not in listed.stderr and "Failed to import" not in listed.stderr
