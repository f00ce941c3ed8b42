"""Errors raised by the smelter hook and operator; each says whether retrying can help."""

from __future__ import annotations

from smelter_airflow._compat import AirflowException, AirflowFailException


class SmelterApiError(AirflowException):
    """A call to the smelter service failed.

    ``endpoint`` is the request line (``GET /api/v1/executions/ex_1``), ``status`` the HTTP status (None when
    the service could not be reached), ``error_type`` and ``message`` come from the service's error body and
    ``retryable`` says whether the same call may succeed later, ``retry_after`` how many seconds the service
    asked to wait first (from ``Retry-After``).
    """

    def __init__(
        self,
        endpoint: str,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        error_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.status = status
        self.error_type = error_type
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        where = f"HTTP {status}" if status is not None else "no response"
        kind = f" {error_type}:" if error_type else ""
        advice = "retrying may help" if retryable else "retrying will not help"
        super().__init__(f"smelter {endpoint} failed ({where}){kind} {message} ({advice})")


class SmelterTaskFailed(AirflowException):
    """The task failed in a way a later try may fix; Airflow's normal retries apply."""


class SmelterTaskFailedNoRetry(AirflowFailException):
    """The task failed in a way no retry can fix (bad request, non-retryable error, cancellation)."""


def task_failure(message: str, *, retryable: bool) -> AirflowException:
    """Return the exception that makes Airflow retry (``retryable``) or fail the task for good."""
    return SmelterTaskFailed(message) if retryable else SmelterTaskFailedNoRetry(message)
