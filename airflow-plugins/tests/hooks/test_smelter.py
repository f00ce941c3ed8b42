from __future__ import annotations

import json

import pytest

from conftest import TlsFiles
from smelter_airflow.exceptions import SmelterApiError
from smelter_airflow.hooks.smelter import SmelterHook
from smelter_fake import TOKEN, FakeSmelter


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


class TestTls:
    """Against the fake service over HTTPS with a self-signed certificate for 127.0.0.1."""

    def use(self, monkeypatch: pytest.MonkeyPatch, url: str, **extra: object) -> None:
        port = url.rsplit(":", 1)[1]
        raw = {
            "conn_type": "smelter",
            "host": "127.0.0.1",
            "port": port,
            "schema": "https",
            "password": TOKEN,
        }
        monkeypatch.setenv("AIRFLOW_CONN_SMELTER_DEFAULT", json.dumps({**raw, "extra": extra}))

    def test_an_unknown_certificate_is_refused_by_default(
        self, https_smelter: FakeSmelter, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.use(monkeypatch, https_smelter.base_url)
        with pytest.raises(SmelterApiError, match="CERTIFICATE_VERIFY_FAILED") as raised:
            SmelterHook().submit(request_body())
        assert not raised.value.retryable and "set the CA bundle of Airflow connection" in str(raised.value)
        assert https_smelter.requests == []

    def test_the_connections_ca_bundle_makes_the_certificate_trusted(
        self, https_smelter: FakeSmelter, tls: TlsFiles, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.use(monkeypatch, https_smelter.base_url, ca_bundle=str(tls.cert))
        assert SmelterHook().submit(request_body())["status"] == "queued"

    async def test_the_trigger_side_uses_the_same_verification(
        self, https_smelter: FakeSmelter, tls: TlsFiles, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.use(monkeypatch, https_smelter.base_url, ca_bundle=str(tls.cert))
        execution_id = SmelterHook().submit(request_body())["id"]
        assert (await SmelterHook().aget_execution(execution_id))["id"] == execution_id

    def test_verification_can_be_turned_off(
        self, https_smelter: FakeSmelter, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.use(monkeypatch, https_smelter.base_url, verify_tls=False)
        ok, message = SmelterHook().test_connection()
        assert ok, message


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
