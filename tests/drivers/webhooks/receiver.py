"""A real HTTP receiver on 127.0.0.1 for webhook tests: records each POST, answers from a script."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_HANG_LIMIT = 10.0
"""A hanging reply is released at teardown at the latest, and never waits longer than this."""


@dataclass(slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of ``script`` (200 once it runs out)."""

    script: list[int] = field(default_factory=list)
    hang: bool = False
    """Hold every reply until the test ends (a receiver slower than the timeout)."""
    before_reply: Callable[[], None] | None = None
    """Called on the receiver's thread between reading a request and answering it."""
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def header(self, index: int, name: str) -> str:
        """A header of the ``index``-th request, looked up case-insensitively."""
        wanted = name.lower()
        return next(v for k, v in self.requests[index].headers.items() if k.lower() == wanted)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
        if receiver.before_reply is not None:
            receiver.before_reply()
        if receiver.hang:
            receiver.release.wait(_HANG_LIMIT)
        status = receiver.script.pop(0) if receiver.script else 200
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"received")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on ``Receiver.requests``."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: Receiver) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.receiver = receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) leaves a broken pipe behind; that is expected."""


class RunningReceiver:
    """Starts a ``Receiver`` on a free loopback port in a thread; ``stop`` ends it."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self._server = _Server(receiver)
        host, port = self._server.server_address[:2]
        receiver.url = f"http://{host!s}:{port}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.receiver.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=_HANG_LIMIT)
