from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from smelter_airflow.exceptions import SmelterApiError
from smelter_airflow.hooks.smelter import ServiceEndpoint, SmelterHook, endpoint_from_connection
from smelter_fake import TOKEN, FakeSmelter


def conn(**fields: object) -> SimpleNamespace:
    values = {"conn_id": "smelter_default", "host": None, "port": None, "schema": None, "password": None}
    values.update(fields)
    return SimpleNamespace(**values)


def request_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "pipeline": "social",
        "step": "bronze",
        "table": "posts",
        "idempotency_key": "smelter__social/run/bronze__posts/-1/1",
        "airflow": {"dag_id": "smelter__social"},
    }
    body.update(overrides)
    return body


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


class TestHookAgainstService:
    def test_resolves_the_airflow_connection_from_the_environment(self, smelter: FakeSmelter) -> None:
        assert SmelterHook().service_url == smelter.base_url

    def test_submit_posts_the_request_with_the_bearer_token(self, smelter: FakeSmelter) -> None:
        execution = SmelterHook().submit(request_body())
        assert execution["status"] == "queued"
        (post,) = smelter.requested("POST", "/api/v1/executions")
        assert post.authorization == f"Bearer {TOKEN}"
        assert post.body["idempotency_key"] == "smelter__social/run/bronze__posts/-1/1"

    def test_submit_with_a_seen_key_returns_the_same_execution(self, smelter: FakeSmelter) -> None:
        hook = SmelterHook()
        assert hook.submit(request_body())["id"] == hook.submit(request_body())["id"]
        assert len(smelter.executions) == 1

    def test_submit_waits_out_a_full_queue(self, smelter: FakeSmelter) -> None:
        smelter.busy_submits = 2
        assert SmelterHook().submit(request_body())["id"] == "ex_1"
        assert len(smelter.requested("POST", "/api/v1/executions")) == 3

    def test_submit_gives_up_on_a_full_queue_after_its_attempts(self, smelter: FakeSmelter) -> None:
        smelter.busy_submits = 5
        with pytest.raises(SmelterApiError) as raised:
            SmelterHook().submit(request_body(), attempts=2)
        assert raised.value.status == 429 and raised.value.retryable

    def test_error_names_the_endpoint_and_the_service_message(self, smelter: FakeSmelter) -> None:
        with pytest.raises(SmelterApiError) as raised:
            SmelterHook().submit(request_body(pipeline="missing"))
        error = raised.value
        assert (error.status, error.error_type, error.retryable) == (404, "UnknownPipeline", False)
        assert "POST /api/v1/executions" in str(error)
        assert "pipeline 'missing' is not defined" in str(error)

    def test_error_names_the_bad_field(self, smelter: FakeSmelter) -> None:
        with pytest.raises(SmelterApiError, match="field /step"):
            SmelterHook().submit(request_body(step="gold"))

    def test_refused_token_never_appears_in_the_error(
        self, smelter: FakeSmelter, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        port = smelter.base_url.rsplit(":", 1)[1]
        wrong = {"conn_type": "smelter", "host": "127.0.0.1", "port": port, "password": "wrong-token-42"}
        monkeypatch.setenv("AIRFLOW_CONN_SMELTER_DEFAULT", json.dumps(wrong))
        with pytest.raises(SmelterApiError) as raised:
            SmelterHook().get_execution("ex_1")
        assert raised.value.status == 401 and not raised.value.retryable
        assert "wrong-token-42" not in str(raised.value)

    def test_missing_token_is_explained(self, smelter: FakeSmelter, monkeypatch: pytest.MonkeyPatch) -> None:
        port = smelter.base_url.rsplit(":", 1)[1]
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMELTER_DEFAULT",
            json.dumps({"conn_type": "smelter", "host": "127.0.0.1", "port": port}),
        )
        with pytest.raises(SmelterApiError, match="has no password"):
            SmelterHook().get_execution("ex_1")

    def test_unreachable_service_is_retryable_and_names_the_url(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMELTER_DEFAULT",
            json.dumps({"conn_type": "smelter", "host": "127.0.0.1", "port": 9, "password": TOKEN}),
        )
        with pytest.raises(SmelterApiError) as raised:
            SmelterHook().get_execution("ex_1")
        assert raised.value.retryable and raised.value.status is None
        assert "http://127.0.0.1:9" in str(raised.value)

    def test_get_logs_pages_with_offset_and_limit(self, smelter: FakeSmelter) -> None:
        hook = SmelterHook()
        execution_id = hook.submit(request_body())["id"]
        page = hook.get_logs(execution_id, offset=1, limit=1)
        assert [line["seq"] for line in page["lines"]] == [1]
        assert page["next_offset"] == 2 and page["complete"] is False

    def test_cancel_marks_a_running_execution_cancelled(self, smelter: FakeSmelter) -> None:
        hook = SmelterHook()
        execution_id = hook.submit(request_body())["id"]
        assert hook.cancel(execution_id)["status"] == "cancelled"

    async def test_async_get_matches_the_sync_get(self, smelter: FakeSmelter) -> None:
        hook = SmelterHook()
        execution_id = hook.submit(request_body())["id"]
        assert (await hook.aget_execution(execution_id))["id"] == execution_id


class TestConnectionTest:
    def test_passes_when_ready_and_the_token_is_accepted(self, smelter: FakeSmelter) -> None:
        ok, message = SmelterHook().test_connection()
        assert ok, message
        assert smelter.requests[0].path == "/readyz"

    def test_fails_when_the_service_is_not_ready(self, smelter: FakeSmelter) -> None:
        smelter.ready = False
        ok, message = SmelterHook().test_connection()
        assert not ok and "/readyz answered 503" in message

    def test_fails_when_the_token_is_refused(
        self, smelter: FakeSmelter, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        port = smelter.base_url.rsplit(":", 1)[1]
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMELTER_DEFAULT",
            json.dumps({"conn_type": "smelter", "host": "127.0.0.1", "port": port, "password": "nope-nope"}),
        )
        ok, message = SmelterHook().test_connection()
        assert not ok and "HTTP 401" in message and "nope-nope" not in message
