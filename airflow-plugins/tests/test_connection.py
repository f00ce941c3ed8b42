from __future__ import annotations

import json
import re
import ssl
from types import SimpleNamespace

import pytest

from conftest import TlsFiles
from smelter_airflow.connection import ServiceEndpoint, endpoint_from_connection
from smelter_airflow.hooks.smelter import SmelterHook


def conn(**fields: object) -> SimpleNamespace:
    values = {
        "conn_id": "smelter_default",
        "host": None,
        "port": None,
        "schema": None,
        "password": None,
        "extra": None,
    }
    values.update(fields)
    return SimpleNamespace(**values)


class TestEndpointFromConnection:
    def test_builds_the_url_from_host_port_and_schema(self) -> None:
        endpoint = endpoint_from_connection(
            conn(host="127.0.0.1", port=18300, schema="http", password="t0ken")
        )
        assert endpoint.base_url == "http://127.0.0.1:18300"
        assert endpoint.headers()["Authorization"] == "Bearer t0ken"

    def test_defaults_to_http_when_schema_is_empty(self) -> None:
        assert endpoint_from_connection(conn(host="smelter.internal")).base_url == "http://smelter.internal"

    def test_accepts_a_host_that_carries_its_scheme_and_a_path(self) -> None:
        endpoint = endpoint_from_connection(conn(host="https://example.com/smelter/", port=8443))
        assert endpoint.base_url == "https://example.com:8443/smelter"

    def test_sends_no_authorization_header_without_a_password(self) -> None:
        assert "Authorization" not in endpoint_from_connection(conn(host="h")).headers()

    def test_rejects_a_connection_without_host_naming_it(self) -> None:
        with pytest.raises(ValueError, match="'smelter_default' has no host"):
            endpoint_from_connection(conn())

    def test_rejects_a_scheme_other_than_http_or_https(self) -> None:
        with pytest.raises(ValueError, match="schema 'ftp'"):
            endpoint_from_connection(conn(host="h", schema="ftp"))

    def test_repr_hides_the_token(self) -> None:
        assert "s3cret" not in repr(ServiceEndpoint(base_url="http://h", token="s3cret"))


class TestConnectionExtras:
    def test_verify_tls_and_a_30_second_timeout_by_default(self) -> None:
        endpoint = endpoint_from_connection(conn(host="h"))
        assert (endpoint.verify, endpoint.timeout) == (True, 30.0)

    def test_reads_the_plain_and_the_form_prefixed_field_names(self) -> None:
        plain = endpoint_from_connection(conn(host="h", extra='{"verify_tls": false, "timeout": 5}'))
        prefixed = endpoint_from_connection(
            conn(host="h", extra='{"extra__smelter__verify_tls": "false", "extra__smelter__timeout": "5"}')
        )
        assert (plain.verify, plain.timeout) == (prefixed.verify, prefixed.timeout) == (False, 5.0)

    def test_a_ca_bundle_becomes_the_context_certificates_are_checked_against(self, tls: TlsFiles) -> None:
        endpoint = endpoint_from_connection(conn(host="h", extra=json.dumps({"ca_bundle": str(tls.cert)})))
        assert isinstance(endpoint.verify, ssl.SSLContext)

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ('{"timeout": 0}', "timeout is 0, expected a number of seconds > 0"),
            ('{"timeout": "soon"}', "timeout is 'soon'"),
            ('{"verify_tls": "maybe"}', "verify_tls is 'maybe', expected true or false"),
            ('{"ca_bundle": "/no/such/ca.pem"}', "ca_bundle /no/such/ca.pem cannot be used"),
            ("[1]", "extra that is not a JSON object"),
            ("{not json", "extra that is not JSON"),
        ],
    )
    def test_a_bad_extra_is_refused_naming_the_connection_and_the_field(
        self, extra: str, message: str
    ) -> None:
        with pytest.raises(ValueError, match=re.escape(message)) as raised:
            endpoint_from_connection(conn(host="h", extra=extra))
        assert "'smelter_default'" in str(raised.value)

    def test_the_hooks_own_timeout_wins_over_the_connections(self, monkeypatch: pytest.MonkeyPatch) -> None:
        raw = {"conn_type": "smelter", "host": "h", "extra": {"timeout": 7}}
        monkeypatch.setenv("AIRFLOW_CONN_SMELTER_DEFAULT", json.dumps(raw))
        assert (SmelterHook().timeout, SmelterHook(timeout=2).timeout) == (7.0, 2)
