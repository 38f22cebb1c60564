"""``twinstack.Twin``: a running twin for tests and scripts, in this process or one already serving.

::

    with twinstack.Twin(services=["wayscloud"]) as twin:
        tenant = twin.new_tenant()
        key = tenant.credentials["wayscloud"]["api_key"]
        ...                                   # call twin.base_url("wayscloud") with any client
        twin.advance(seconds=3600)            # lifecycles move on
        sms = twin.outbox(channel="sms")      # what the twin "sent", newest first

Started here, the twin is the real server (uvicorn) in a background thread on a free loopback port,
with its state in a temporary directory removed on exit, DNS and MQTT on free ports of their own.
Given a URL (``Twin(url=...)``, ``TWINSTACK_URL``), it drives that server instead and starts nothing;
``TWINSTACK_CONTROL_TOKEN`` is sent when set. The pytest plugin (``twinstack.pytest_plugin``) hands
the same object out as the ``twinstack`` fixture.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT_S = 90.0
"""How long the server may take to answer its health check (the first start compiles every document)."""


@dataclass(slots=True)
class TenantHandle:
    """An isolated tenant: its id and, per service, the credentials ``POST /_twinstack/tenants`` gave it."""

    id: str
    name: str
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    twin: Twin | None = None
    """The twin the tenant belongs to."""


class TwinError(RuntimeError):
    """The twin answered a control call with an error, or did not answer."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Twin:
    """A twin to drive from tests: control-plane calls as methods; a context manager."""

    def __init__(self, services: list[str] | None = None, specs: tuple[str, ...] | list[str] = (),
                 speed: str = "instant", data_dir: str | Path | None = None, url: str | None = None) -> None:
        self.services = services
        self.specs = list(specs)
        self.speed = speed
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._given_url = url
        self.url = url.rstrip("/") if url else ""
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._temporary: Path | None = None
        token = os.environ.get("TWINSTACK_CONTROL_TOKEN")
        self._http = httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"} if token else {})

    # -- life ---------------------------------------------------------------------

    def __enter__(self) -> Twin:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._given_url is None and self._server is None:
            self._start_here()
        self._wait_healthy()

    def _start_here(self) -> None:
        import uvicorn

        from twinstack.app import create_app
        from twinstack.config import Settings

        if self._data_dir is None:
            self._temporary = Path(tempfile.mkdtemp(prefix="twinstack-"))
        data_dir = self._data_dir or (self._temporary or Path(".")) / "state"
        port = free_port()
        settings = Settings(port=port, data_dir=data_dir, services=self.services, specs=self.specs, speed=self.speed,
                            dns_port=free_port(), mqtt_url=f"embedded://127.0.0.1:{free_port()}")
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        # The server runs in its own thread and event loop; signals stay with the caller's main thread.
        self._server.install_signal_handlers = lambda: None
        self._thread = threading.Thread(target=self._server.run, name="twinstack", daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{port}"

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        problem = "no answer"
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                raise TwinError("the twin stopped while starting; see the log above")
            try:
                if self._http.get(f"{self.url}/_twinstack/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError as exc:
                problem = str(exc)
            time.sleep(0.05)
        raise TwinError(f"the twin at {self.url} did not become healthy in {START_TIMEOUT_S:.0f} s ({problem})")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=30)
            self._server = None
            self._thread = None
        self._http.close()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    # -- control plane ------------------------------------------------------------

    def base_url(self, slug: str) -> str:
        """Where a service is mounted, e.g. ``http://127.0.0.1:P/wayscloud`` (its server base path follows)."""
        return f"{self.url}/{slug}"

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/_twinstack/health")

    @property
    def endpoints(self) -> dict[str, str]:
        """Every protocol endpoint the twin serves (``http``, ``s3``, ``dns``, ``mqtt``...)."""
        found: dict[str, str] = self.health()["endpoints"]
        return found

    def new_tenant(self, name: str | None = None) -> TenantHandle:
        made = self._call("POST", "/_twinstack/tenants", json={"name": name} if name else {})
        return TenantHandle(made["id"], made.get("name") or made["id"], made["credentials"], self)

    def tenant(self, tenant_id: str) -> TenantHandle:
        found = self._call("GET", f"/_twinstack/tenants/{tenant_id}")
        return TenantHandle(found["id"], found.get("name") or found["id"], found["credentials"], self)

    def outbox(self, **filters: Any) -> list[dict[str, Any]]:
        """Messages the twins sent (``channel``, ``recipient``, ``service``, ``tenant``, ``since``), newest first."""
        messages: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(100):
            params = {k: v for k, v in filters.items() if v is not None}
            params["limit"] = 1000
            if cursor:
                params["cursor"] = cursor
            page = self._call("GET", "/_twinstack/outbox", params=params)
            messages.extend(page["messages"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return messages

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The request journal, newest first, filtered by equal fields (``service``, ``operation``, ``status``...)."""
        entries: list[dict[str, Any]] = self._call("GET", "/_twinstack/requests", params={"limit": 5000})["requests"]
        return [e for e in entries if all(e.get(k) == v for k, v in filters.items())]

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._call("POST", "/_twinstack/clock/advance", json={"seconds": seconds})

    def reset(self) -> None:
        self._call("POST", "/_twinstack/reset")

    def export_state(self) -> dict[str, Any]:
        return self._call("GET", "/_twinstack/state/export")

    def import_state(self, doc: dict[str, Any]) -> None:
        self._call("POST", "/_twinstack/state/import", json=doc)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, f"{self.url}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise TwinError(f"no twin answers at {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise TwinError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        found: dict[str, Any] = response.json()
        return found
