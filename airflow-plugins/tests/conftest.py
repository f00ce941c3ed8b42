"""Fixtures: a contract-speaking fake smelter service on 127.0.0.1 and a task context that records XComs."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest

from smelter_fake import TOKEN, FakeSmelter, serve


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    cert: Path
    key: Path


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A certificate no system trusts, valid for the IP address 127.0.0.1 for one day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smelter test")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    files = TlsFiles(cert=folder / "cert.pem", key=folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


@pytest.fixture
def https_smelter(tls: TlsFiles) -> Iterator[FakeSmelter]:
    """A running fake service speaking HTTPS with the ``tls`` certificate (no connection is set up)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    fake = FakeSmelter()
    server = serve(fake, tls=context)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def smelter(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmelter]:
    """A running fake service, reachable through the Airflow connection ``smelter_default``."""
    fake = FakeSmelter()
    server = serve(fake)
    port = server.server_address[1]
    conn = {"conn_type": "smelter", "host": "127.0.0.1", "port": port, "schema": "http", "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_SMELTER_DEFAULT", json.dumps(conn))
    yield fake
    server.shutdown()
    server.server_close()


@dataclass
class RecordingTaskInstance:
    """Stands in for the running task instance: the identity fields and xcom_push the operator uses."""

    dag_id: str = "smelter__social"
    run_id: str = "scheduled__2026-11-21T00:00:00+00:00"
    task_id: str = "bronze__posts"
    map_index: int = -1
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


@pytest.fixture
def context() -> dict[str, Any]:
    """A task context with the keys the operator reads."""
    ti = RecordingTaskInstance()
    return {"ti": ti, "run_id": ti.run_id, "logical_date": datetime(2026, 11, 21, tzinfo=timezone.utc)}
