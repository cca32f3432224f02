"""A real webhook receiver on 127.0.0.1 for the delivery tests: an http.server in a thread that
checks each request's signature the way docs/webhooks.md tells a receiver to, records what it got
and answers what the test scripted (a status, a redirect, or a stall past the timeout)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/webhooks.md shows it."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected.hexdigest(), fields["v1"])


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A sender that hung up mid-answer (the timeout tests) is expected, not a test error.
        pass


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool
    answered: int | str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> int:
        return int(self.headers["X-Echo-Event-Id"])


@dataclass
class Receiver:
    """`answers` is consumed one per request (status code, "stall", or ("redirect", url));
    when it is empty every request gets `default`."""

    secret: str = ""
    default: int | str = 200
    stall_seconds: float = 2.0
    answers: deque[Any] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    answer = receiver.answers.popleft() if receiver.answers else receiver.default
                    header = self.headers.get("X-Echo-Signature") or ""
                    signed = bool(receiver.secret and header) and verify(
                        receiver.secret, body, header
                    )
                    receiver.received.append(
                        Received(
                            path=self.path,
                            headers=dict(self.headers.items()),
                            body=body,
                            signed=signed,
                            answered=answer if not isinstance(answer, tuple) else answer[0],
                        )
                    )
                if answer == "stall":
                    time.sleep(receiver.stall_seconds)
                    answer = 200
                try:
                    if isinstance(answer, tuple):
                        self.send_response(302)
                        self.send_header("Location", answer[1])
                    else:
                        self.send_response(int(answer))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting (the stall): nobody reads the answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def event_ids(self) -> list[int]:
        with self.lock:
            return [request.event_id for request in self.received]
