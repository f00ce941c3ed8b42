"""Hook for the smelter task API: connection type ``smelter``, default connection ``smelter_default``.

How a connection becomes a service URL, token and TLS and timeout settings is in
``smelter_airflow.connection``. The token is sent only in the Authorization header and never appears in logs
or errors.
"""

from __future__ import annotations

import ssl
import time
from typing import Any

import httpx

from smelter_airflow._compat import BaseHook
from smelter_airflow.connection import (
    CONN_TYPE,
    DEFAULT_CONN_ID,
    DEFAULT_TIMEOUT_SECONDS,
    ServiceEndpoint,
    endpoint_from_connection,
)
from smelter_airflow.exceptions import SmelterApiError
from smelter_airflow.get_provider_info import CONN_FIELDS, UI_FIELD_BEHAVIOUR

API_PREFIX = "/api/v1"
# How long a status read asks the service to hold its answer until the status changes (it allows 30 s).
LONG_POLL_SECONDS = 20.0
MAX_WAIT_SECONDS = 30.0
# Statuses where the same request may succeed later; the service's error body can say otherwise.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def error_from_response(endpoint: str, response: httpx.Response, has_token: bool) -> SmelterApiError:
    """Turn a non-2xx response into SmelterApiError with the service's error type, message and retryable."""
    status = response.status_code
    error_type: str | None = None
    message = response.text.strip()[:500] or response.reason_phrase
    retryable = status in TRANSIENT_STATUSES
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        error_type = error.get("type")
        message = str(error.get("message", message))
        if error.get("field"):
            message = f"{message} (field {error['field']})"
        if isinstance(error.get("retryable"), bool):
            retryable = error["retryable"]
    if status == 401 and not has_token:
        message = f"{message}; the Airflow connection has no password (bearer token)"
    return SmelterApiError(
        endpoint,
        message,
        status=status,
        error_type=error_type,
        retryable=retryable,
        retry_after=retry_after_seconds(response),
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds the service asked to wait (``Retry-After`` in seconds), None when it did not say."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def wait_params(wait: float, status: str | None) -> dict[str, Any] | None:
    """Query of a long-polling status read: ``wait`` seconds (rounded down to 0.1 s) and the known status."""
    seconds = int(min(MAX_WAIT_SECONDS, max(0.0, wait)) * 10) / 10
    if seconds <= 0:
        return None
    return {"wait": seconds, **({"status": status} if status else {})}


class SmelterHook(BaseHook):
    """Calls the smelter task API with the connection ``smelter_conn_id`` (default ``smelter_default``).

    :param smelter_conn_id: Airflow connection of type ``smelter``.
    :param timeout: seconds allowed for each HTTP request (default: the connection's ``timeout``, else 30).
    """

    conn_name_attr = "smelter_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "Smelter"

    def __init__(self, smelter_conn_id: str = default_conn_name, timeout: float | None = None) -> None:
        super().__init__()
        self.smelter_conn_id = smelter_conn_id
        self._timeout = timeout
        self._endpoint: ServiceEndpoint | None = None

    @property
    def timeout(self) -> float:
        """Seconds allowed for each request: the hook's ``timeout``, else the connection's."""
        return self._timeout if self._timeout is not None else self.get_conn().timeout

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form for Airflow versions that read it from the hook (before 3.2)."""
        return UI_FIELD_BEHAVIOUR

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The extra fields of the connection form, for Airflow versions that read them from the hook."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from wtforms import BooleanField, FloatField, StringField
        from wtforms.validators import NumberRange
        from wtforms.validators import Optional as LeaveEmpty

        return {
            "verify_tls": BooleanField(CONN_FIELDS["verify_tls"]["label"], default=True),
            "ca_bundle": StringField(CONN_FIELDS["ca_bundle"]["label"], widget=BS3TextFieldWidget()),
            "timeout": FloatField(
                CONN_FIELDS["timeout"]["label"],
                validators=[LeaveEmpty(), NumberRange(min=0.1)],
                widget=BS3TextFieldWidget(),
                default=DEFAULT_TIMEOUT_SECONDS,
            ),
        }

    def get_conn(self) -> ServiceEndpoint:
        """Resolve (once) the service URL and token from the Airflow connection."""
        if self._endpoint is None:
            conn = self.get_connection(self.smelter_conn_id)
            self._endpoint = endpoint_from_connection(conn)
        return self._endpoint

    async def aget_conn(self) -> ServiceEndpoint:
        """Async :meth:`get_conn` for triggers: the connection lookup never blocks the triggerer's loop."""
        if self._endpoint is None:
            aget_connection = getattr(self, "aget_connection", None)
            if aget_connection is not None:
                conn = await aget_connection(self.smelter_conn_id)
            else:  # Airflow < 3.1 has no async connection lookup
                from asgiref.sync import sync_to_async

                conn = await sync_to_async(self.get_connection)(self.smelter_conn_id)
            self._endpoint = endpoint_from_connection(conn)
        return self._endpoint

    @property
    def service_url(self) -> str:
        """Base URL of the smelter service, e.g. ``http://127.0.0.1:18300``."""
        return self.get_conn().base_url

    def submit(self, request: dict[str, Any], *, attempts: int = 5) -> dict[str, Any]:
        """POST an execution request and return the execution (new, or the one its idempotency key names).

        Busy (429/503) and unreachable service are retried up to ``attempts`` times, honouring
        ``Retry-After``: the idempotency key makes a repeated POST start nothing new.
        """
        for attempt in range(1, attempts + 1):
            try:
                return self._call("POST", f"{API_PREFIX}/executions", json=request)
            except SmelterApiError as error:
                if not error.retryable or attempt == attempts:
                    raise
                wait = min(60.0, error.retry_after if error.retry_after is not None else 2.0 ** (attempt - 1))
                self.log.warning(
                    "%s; trying again in %.0f s (attempt %d of %d)", error, wait, attempt, attempts
                )
                time.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def get_execution(
        self, execution_id: str, *, wait: float = 0.0, status: str | None = None
    ) -> dict[str, Any]:
        """GET the execution ``execution_id``.

        With ``wait`` the service holds the answer up to that many seconds (at most 30), until the status
        differs from ``status`` (default: the status when the request arrives). A service without long
        polling answers at once.
        """
        return self._call(
            "GET",
            f"{API_PREFIX}/executions/{execution_id}",
            params=wait_params(wait, status),
            timeout=self.timeout + max(0.0, wait),
        )

    def get_logs(self, execution_id: str, offset: int = 0, limit: int = 500) -> dict[str, Any]:
        """GET one page of the execution's log lines from ``offset``: ``{lines, next_offset, complete}``."""
        return self._call(
            "GET", f"{API_PREFIX}/executions/{execution_id}/logs", params={"offset": offset, "limit": limit}
        )

    def cancel(self, execution_id: str) -> dict[str, Any]:
        """Ask the service to cancel the execution; cancelling a finished one changes nothing."""
        return self._call("POST", f"{API_PREFIX}/executions/{execution_id}/cancel")

    async def aget_execution(
        self, execution_id: str, *, wait: float = 0.0, status: str | None = None
    ) -> dict[str, Any]:
        """Async :meth:`get_execution`, for triggers; cancelling the awaiting task abandons the request."""
        endpoint = await self.aget_conn()
        path = f"{API_PREFIX}/executions/{execution_id}"
        async with httpx.AsyncClient(
            base_url=endpoint.base_url,
            headers=endpoint.headers(),
            timeout=self.timeout + max(0.0, wait),
            verify=endpoint.verify,
        ) as client:
            try:
                response = await client.get(path, params=wait_params(wait, status))
            except httpx.HTTPError as error:
                raise self._unreachable(f"GET {path}", endpoint, error) from None
        return self._json_or_raise(f"GET {path}", response, endpoint)

    def test_connection(self) -> tuple[bool, str]:
        """Check readiness (GET /readyz) and that the token is accepted (an authenticated GET)."""
        try:
            endpoint = self.get_conn()
        except ValueError as error:
            return False, str(error)
        # An id that cannot exist: 404 proves the token was accepted, 401/403 that it was not.
        probe = f"{API_PREFIX}/executions/connection-test"
        try:
            with httpx.Client(
                base_url=endpoint.base_url, timeout=self.timeout, verify=endpoint.verify
            ) as client:
                ready = client.get("/readyz")
                if ready.status_code != 200:
                    answer = f"GET /readyz answered {ready.status_code}"
                    return False, f"smelter at {endpoint.base_url} is not ready: {answer}"
                response = client.get(probe, headers=endpoint.headers())
        except httpx.HTTPError as error:
            return False, str(self._unreachable("GET /readyz", endpoint, error))
        if response.status_code in (200, 404):
            return True, f"smelter at {endpoint.base_url} is ready and accepted the token"
        return False, str(error_from_response(f"GET {probe}", response, bool(endpoint.token)))

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        endpoint = self.get_conn()
        with httpx.Client(
            base_url=endpoint.base_url,
            headers=endpoint.headers(),
            timeout=timeout or self.timeout,
            verify=endpoint.verify,
        ) as client:
            try:
                response = client.request(method, path, json=json, params=params)
            except httpx.HTTPError as error:
                raise self._unreachable(f"{method} {path}", endpoint, error) from None
        return self._json_or_raise(f"{method} {path}", response, endpoint)

    @staticmethod
    def _json_or_raise(
        request_line: str, response: httpx.Response, endpoint: ServiceEndpoint
    ) -> dict[str, Any]:
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise SmelterApiError(
                    request_line,
                    f"answered {response.status_code} with a body that is not JSON",
                    status=response.status_code,
                    retryable=True,
                ) from None
        raise error_from_response(request_line, response, bool(endpoint.token))

    @staticmethod
    def _unreachable(request_line: str, endpoint: ServiceEndpoint, error: httpx.HTTPError) -> SmelterApiError:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if _certificate_refused(error):
            # A retry meets the same certificate: only the connection's TLS settings can change the outcome.
            return SmelterApiError(
                request_line,
                f"the certificate of {endpoint.base_url} is not trusted ({reason}); set the CA bundle of "
                f"Airflow connection '{endpoint.conn_id}' to the CA that signed it",
                retryable=False,
            )
        return SmelterApiError(
            request_line, f"could not reach {endpoint.base_url} ({reason})", retryable=True
        )


def _certificate_refused(error: BaseException) -> bool:
    """Whether ``error`` was caused by a failed certificate verification."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
