"""An Airflow connection of type ``smelter`` as the service endpoint the hook calls.

The connection's host, port and schema (``http`` or ``https``) give the service URL; its password is the
bearer token. Its extra fields set how requests are made: ``verify_tls`` (default true), ``ca_bundle`` (a CA
file to verify the service's certificate against) and ``timeout`` (seconds per request, default 30). Every
problem is a ValueError naming the connection and the field.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from typing import Any, Union

CONN_TYPE = "smelter"
DEFAULT_CONN_ID = "smelter_default"
# Seconds allowed for one request when neither the hook nor the connection says otherwise.
DEFAULT_TIMEOUT_SECONDS = 30.0

# What httpx takes as ``verify``: True (the system's CAs), False (no verification) or an SSL context.
Verify = Union[bool, ssl.SSLContext]


@dataclass(frozen=True)
class ServiceEndpoint:
    """Where the smelter service listens, the token to present and how to connect; ``repr`` hides the token.

    ``verify`` is True (check the certificate against the system's CAs), False, or an SSL context holding
    the connection's CA bundle; ``timeout`` is the seconds allowed per request.
    """

    base_url: str
    token: str | None = field(default=None, repr=False)
    conn_id: str = DEFAULT_CONN_ID
    verify: Verify = True
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def headers(self) -> dict[str, str]:
        """Request headers: JSON, plus the bearer token when the connection has one."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


def endpoint_from_connection(conn: Any) -> ServiceEndpoint:
    """Build the service endpoint from an Airflow connection of type ``smelter``.

    ``host`` may carry its own scheme (``https://smelter.example.com``); otherwise ``schema`` picks it,
    defaulting to ``http``. Raises ValueError naming the connection when the host or scheme is unusable.
    """
    conn_id = getattr(conn, "conn_id", None) or DEFAULT_CONN_ID
    host = (conn.host or "").strip().rstrip("/")
    if not host:
        raise ValueError(f"Airflow connection '{conn_id}' has no host: set it to the smelter service host")
    scheme = (conn.schema or "http").strip().lower()
    if "://" in host:
        scheme, host = host.split("://", 1)
        scheme = scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"Airflow connection '{conn_id}' has schema '{scheme}': expected 'http' or 'https'")
    authority, _, path = host.partition("/")
    if conn.port and ":" not in authority:
        authority = f"{authority}:{conn.port}"
    base_url = f"{scheme}://{authority}" + (f"/{path}" if path else "")
    extras = connection_extras(conn, conn_id)
    return ServiceEndpoint(
        base_url=base_url,
        token=conn.password or None,
        conn_id=conn_id,
        verify=tls_verification(extras, conn_id),
        timeout=request_timeout(extras, conn_id),
    )


def connection_extras(conn: Any, conn_id: str) -> dict[str, Any]:
    """The connection's extra fields as a dict, under their plain names.

    Airflow's connection form may store a field as ``extra__smelter__<name>``; both spellings are read.
    """
    raw = getattr(conn, "extra", None)
    if isinstance(raw, dict):
        extras = raw
    elif raw:
        try:
            extras = json.loads(raw)
        except ValueError:
            raise ValueError(f"Airflow connection '{conn_id}' has an extra that is not JSON") from None
        if not isinstance(extras, dict):
            raise ValueError(f"Airflow connection '{conn_id}' has an extra that is not a JSON object")
    else:
        extras = {}
    prefix = f"extra__{CONN_TYPE}__"
    plain = {key[len(prefix) :]: value for key, value in extras.items() if key.startswith(prefix)}
    plain.update({key: value for key, value in extras.items() if not key.startswith(prefix)})
    return {key: value for key, value in plain.items() if value not in (None, "")}


def tls_verification(extras: dict[str, Any], conn_id: str) -> Verify:
    """``verify`` for httpx from ``verify_tls`` (default true) and ``ca_bundle`` (a PEM file of CAs)."""
    verify = extras.get("verify_tls", True)
    if isinstance(verify, str):
        if verify.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(
                f"Airflow connection '{conn_id}': verify_tls is {verify!r}, expected true or false"
            )
        verify = verify.strip().lower() in ("true", "1", "yes")
    if not isinstance(verify, bool):
        raise ValueError(f"Airflow connection '{conn_id}': verify_tls must be true or false")
    ca_bundle = extras.get("ca_bundle")
    if not verify or ca_bundle is None:
        return verify
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as error:
        raise ValueError(
            f"Airflow connection '{conn_id}': ca_bundle {ca_bundle} cannot be used ({error})"
        ) from None


def request_timeout(extras: dict[str, Any], conn_id: str) -> float:
    """Seconds per request from ``timeout`` (default 30); it must be a positive number."""
    raw = extras.get("timeout", DEFAULT_TIMEOUT_SECONDS)
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(raw, bool) or not seconds > 0:
        raise ValueError(
            f"Airflow connection '{conn_id}': timeout is {raw!r}, expected a number of seconds > 0"
        )
    return seconds
