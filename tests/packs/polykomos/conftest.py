"""Fixtures for the polykomos twin: tenants, keys limited to chosen scopes, and twins wired to real servers.

``client`` (from ``tests/conftest.py``), like a plain ``twinstack serve`` and the
conformance run, provisions on the twin's own private servers: PostgreSQL from
the wheel, and MariaDB where ``mariadbd`` is installed, each started under the
test's data dir on first use and stopped with the twin when the test ends.
``db_client`` is an in-process twin pointed at the machine's PostgreSQL and
MariaDB instead (``TWINSTACK_TEST_PG`` / ``TWINSTACK_TEST_MYSQL``); a test using
it is skipped, with the reason, when a server is unreachable.
Every twin here, ``client`` and those ``make_client`` builds, fails the test
when serving a request reads a whole collection of polykomos state
(``tests/packs/no_scans.py``).
Databases the tests make on the machine's servers are named
``servers.db_name(...)`` and swept from them at the end of the session; the
private servers go with their test's temporary directory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.packs.no_scans import no_whole_collection_reads, refuse_whole_reads  # noqa: F401  (autouse: no scans on request paths)
from tests.packs.polykomos.servers import ADMIN_URLS, admin_error, sweep

API = "/polykomos/api/v1"


@dataclass(slots=True)
class Tenant:
    id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def idempotent(self) -> dict[str, str]:
        return idempotent(self.api_key)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def idempotent(key: str) -> dict[str, str]:
    """Headers for an operation that requires an Idempotency-Key."""
    return {**bearer(key), "Idempotency-Key": str(uuid.uuid4())}


def new_tenant(client: Any) -> Tenant:
    made = tenant_credentials(client)
    return Tenant(made["id"], made["credentials"]["polykomos"]["api_key"])


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return new_tenant(client)


@pytest.fixture
def key_with(client: TestClient, tenant: Tenant) -> Callable[..., str]:
    """Factory: a key of ``tenant`` holding only the given scopes (issued through the control plane)."""

    def make(*scopes: str) -> str:
        response = client.post("/_twinstack/polykomos/api_keys", json={"tenant": tenant.id, "scopes": list(scopes)})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return str(body["api_key"])

    return make


@pytest.fixture
def make_client(make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch) -> Callable[..., TestClient]:
    """The shared factory; each twin it makes refuses, as ``client`` does, to read a whole collection of polykomos
    state once it has started."""

    def make(**settings: Any) -> TestClient:
        made = make_client(**settings)
        refuse_whole_reads(made.app.state.runtime.store, "polykomos", monkeypatch)  # type: ignore[attr-defined]
        return made

    return make


@cache
def _unreachable(engine: str) -> str | None:
    return admin_error(engine)


@pytest.fixture(scope="session")
def database_servers() -> Iterator[dict[str, str]]:
    """The admin URLs of both servers; skips when either is unreachable, sweeps test databases at the end."""
    for engine, variable in (("postgres", "TWINSTACK_TEST_PG"), ("mysql", "TWINSTACK_TEST_MYSQL")):
        reason = _unreachable(engine)
        if reason is not None:
            pytest.skip(f"{engine} server at {ADMIN_URLS[engine]} is unreachable ({reason}); set {variable}")
    yield dict(ADMIN_URLS)
    for engine in ADMIN_URLS:
        sweep(engine)


@pytest.fixture
def db_client(make_client: Callable[..., TestClient], database_servers: dict[str, str]) -> TestClient:
    """An in-process twin (instant speed, strict) that provisions on the real servers."""
    return make_client(postgres_admin_url=database_servers["postgres"], mysql_admin_url=database_servers["mysql"])


@pytest.fixture
def db_tenant(db_client: TestClient) -> Tenant:
    return new_tenant(db_client)


def create_database(client: Any, tenant: Tenant, name: str, **fields: Any) -> dict[str, Any]:
    """``POST /databases`` and return the created database (asserting 201)."""
    response = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": name, **fields})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


Receive = Callable[..., Receiver]


@pytest.fixture
def receive() -> Iterator[Receive]:
    """Factory: a real HTTP receiver on 127.0.0.1 answering with the statuses scripted (then 200)."""
    running: list[RunningReceiver] = []

    def make(script: list[int] | None = None) -> Receiver:
        receiver = Receiver(script=list(script or []))
        running.append(RunningReceiver(receiver))
        return receiver

    yield make
    for server in running:
        server.stop()
