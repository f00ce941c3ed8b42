"""A small in-process HTTP server speaking the smelter task API (CONTRACTS §2), for unit tests.

It keeps executions in memory and lets a test decide how they end: ``outcome`` is applied once an
execution has been polled ``polls_to_finish`` times (0: finished when submitted). ``busy_submits`` answers
that many POSTs with 429, ``flaky_gets`` that many execution GETs with 503; log pages never exceed
``max_log_page`` lines, whatever the limit asked. A status read with ``wait`` whose answer is the status
the client says it has is held ``hold_seconds`` (0: answered at once, like a service without long polling).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-token-1234567890"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    body: Any


@dataclass
class FakeSmelter:
    outcome: dict[str, Any] = field(
        default_factory=lambda: {"status": "success", "metrics": {"rows_read": 3}}
    )
    polls_to_finish: int = 1
    log_lines: int = 3
    max_log_page: int = 100
    busy_submits: int = 0
    flaky_gets: int = 0
    ready: bool = True
    hold_seconds: float = 0.0
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, raw_path: str, headers: Any, body: Any) -> tuple[int, dict[str, str], Any]:
        status, extra, payload = self._handle(method, raw_path, headers, body)
        query = parse_qs(urlsplit(raw_path).query)
        asked = query.get("status", [])
        held = "wait" in query and isinstance(payload, dict) and payload.get("status") in asked
        if held and self.hold_seconds > 0:
            time.sleep(self.hold_seconds)
        return status, extra, payload

    def _handle(self, method: str, raw_path: str, headers: Any, body: Any) -> tuple[int, dict[str, str], Any]:
        url = urlsplit(raw_path)
        query = parse_qs(url.query)
        with self.lock:
            self.requests.append(Recorded(method, url.path, query, headers.get("Authorization"), body))
            if url.path == "/healthz":
                return 200, {}, {"status": "ok"}
            if url.path == "/readyz":
                return (200 if self.ready else 503), {}, {"status": "ok" if self.ready else "starting"}
            if headers.get("Authorization") != f"Bearer {TOKEN}":
                return 401, {}, _error("Unauthorized", "missing or invalid bearer token", False)
            if method == "POST" and url.path == "/api/v1/executions":
                return self._submit(body)
            match = re.fullmatch(r"/api/v1/executions/([^/]+)(/logs|/cancel)?", url.path)
            if not match or match.group(1) not in self.executions:
                return 404, {}, _error("NotFound", f"no execution at {url.path}", False)
            execution_id, action = match.group(1), match.group(2)
            if method == "GET" and action is None:
                return self._poll(execution_id)
            if method == "GET" and action == "/logs":
                return self._logs(execution_id, int(query["offset"][0]), int(query["limit"][0]))
            if method == "POST" and action == "/cancel":
                return self._cancel(execution_id)
            return 405, {}, _error("MethodNotAllowed", f"{method} {url.path}", False)

    def _submit(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if self.busy_submits > 0:
            self.busy_submits -= 1
            return 429, {"Retry-After": "0"}, _error("QueueFull", "execution queue is full", True)
        if body.get("step") not in ("extract", "bronze", "silver"):
            return (
                400,
                {},
                {
                    "error": {
                        "type": "BadRequest",
                        "message": "unknown step",
                        "retryable": False,
                        "field": "/step",
                    }
                },
            )
        if str(body.get("pipeline")).startswith("missing"):
            return 404, {}, _error("UnknownPipeline", f"pipeline {body['pipeline']!r} is not defined", False)
        for execution in self.executions.values():
            if execution["idempotency_key"] == body["idempotency_key"]:
                return 200, {}, execution
        execution_id = f"ex_{len(self.executions) + 1}"
        execution = {
            "id": execution_id,
            "pipeline": body["pipeline"],
            "step": body["step"],
            "table": body.get("table"),
            "source": body.get("source"),
            "status": "queued",
            "idempotency_key": body["idempotency_key"],
            "airflow": body.get("airflow"),
            "metrics": None,
            "error": None,
            "links": {"ui": f"{self.base_url}/ui/executions/{execution_id}"},
        }
        self.executions[execution_id] = execution
        self.polls[execution_id] = 0
        if self.polls_to_finish == 0:
            execution.update(self.outcome)
        return 202, {}, execution

    def _poll(self, execution_id: str) -> tuple[int, dict[str, str], Any]:
        if self.flaky_gets > 0:
            self.flaky_gets -= 1
            return 503, {}, _error("Unavailable", "restarting", True)
        execution = self.executions[execution_id]
        self.polls[execution_id] += 1
        if execution["status"] in ("queued", "running"):
            if self.polls[execution_id] >= self.polls_to_finish:
                execution.update(self.outcome)
            else:
                execution["status"] = "running"
        return 200, {}, execution

    def _logs(self, execution_id: str, offset: int, limit: int) -> tuple[int, dict[str, str], Any]:
        lines = [
            {
                "seq": seq,
                "ts": "2026-11-21T00:00:00Z",
                "level": "warn" if seq == 1 else "info",
                "message": f"{execution_id} line {seq}",
            }
            for seq in range(self.log_lines)
        ]
        page = lines[offset : offset + min(limit, self.max_log_page)]
        next_offset = offset + len(page)
        finished = self.executions[execution_id]["status"] in ("success", "failed", "cancelled")
        return (
            200,
            {},
            {"lines": page, "next_offset": next_offset, "complete": finished and next_offset >= len(lines)},
        )

    def _cancel(self, execution_id: str) -> tuple[int, dict[str, str], Any]:
        execution = self.executions[execution_id]
        if execution["status"] in ("success", "failed", "cancelled"):
            return 200, {}, execution
        execution["status"] = "cancelled"
        return 202, {}, execution

    def requested(self, method: str, path_prefix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


def _error(error_type: str, message: str, retryable: bool) -> dict[str, Any]:
    return {"error": {"type": error_type, "message": message, "retryable": retryable}}


def serve(fake: FakeSmelter, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    """Start ``fake`` on 127.0.0.1 (free port) in a daemon thread; stop it with ``server.shutdown()``.

    With ``tls`` (a server context holding a certificate) it speaks HTTPS.
    """

    class Handler(BaseHTTPRequestHandler):
        def _respond(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, headers, payload = fake.handle(method, self.path, self.headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._respond("GET")

        def do_POST(self) -> None:
            self._respond("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    fake.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server
