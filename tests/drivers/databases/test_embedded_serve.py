"""End to end through a plain ``twinstack serve``: a Polykomos PostgreSQL database with no server configured.

A new user's path: no admin URL, no database installed by hand. The database
comes from the twin's private PostgreSQL, the connection string works with
psycopg, and after a restart of the twin the same string still works and the
data is there. The twin is stopped with SIGTERM, as a user's Ctrl-C or a
service manager would, and takes its PostgreSQL down with it.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import LiveServer
from tests.drivers.databases.embedded import refuses_connections, stop_leftovers

API = "/polykomos/api/v1"


@pytest.fixture
def plain_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    for variable in ("TWINSTACK_POSTGRES_ADMIN_URL", "TWINSTACK_MYSQL_ADMIN_URL", "TWINSTACK_NO_EMBEDDED_DATABASES"):
        monkeypatch.delenv(variable, raising=False)
    server = LiveServer(tmp_path / "state")
    server.start()
    try:
        yield server
    finally:
        server.stop(signal.SIGTERM)
        stop_leftovers(server.data_dir)


def test_a_polykomos_database_works_out_of_the_box_and_survives_a_restart(plain_serve: LiveServer) -> None:
    http = httpx.Client(base_url=plain_serve.url, timeout=60)
    assert "postgres" not in http.get("/_twinstack/health").json()["endpoints"], "nothing starts before it is needed"
    key = http.post("/_twinstack/tenants", json={"name": "new-user"}).json()["credentials"]["polykomos"]["api_key"]
    auth = {"Authorization": f"Bearer {key}"}

    types = http.get(f"{API}/database_types", headers=auth).json()["data"]
    assert types[0]["value"] == "postgres" and types[0]["is_available"] is True
    created = http.post(f"{API}/databases", headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
                        json={"name": "shop"})
    assert created.status_code == 202, created.text  # realistic speed: provisioning takes 20 twin-seconds
    database_uuid = created.json()["data"]["uuid"]
    http.post("/_twinstack/clock/advance", json={"seconds": 30}).raise_for_status()
    database = http.get(f"{API}/databases/{database_uuid}", headers=auth).json()["data"]
    assert database["status"] == "active", database
    connection_string = database["connection_string"]
    assert connection_string.startswith("postgresql://") and "@127.0.0.1:" in connection_string

    with psycopg.connect(connection_string, connect_timeout=5, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)")
        conn.execute("INSERT INTO orders (item) VALUES ('tea'), ('cake')")
        assert conn.execute("SELECT item FROM orders ORDER BY id").fetchall() == [("tea",), ("cake",)]
    port = int(database["port"])
    assert http.get("/_twinstack/health").json()["endpoints"]["postgres"] == f"postgresql://127.0.0.1:{port}"

    plain_serve.stop(signal.SIGTERM)
    assert refuses_connections(port), "the twin's PostgreSQL stops with the twin"
    plain_serve.start()

    with psycopg.connect(connection_string, connect_timeout=5) as conn:
        assert conn.execute("SELECT item FROM orders ORDER BY id").fetchall() == [("tea",), ("cake",)]
    http = httpx.Client(base_url=plain_serve.url, timeout=60)
    again = http.get(f"{API}/databases/{database_uuid}", headers=auth).json()["data"]
    assert again["connection_string"] == connection_string
    plain_serve.stop(signal.SIGTERM)
    assert refuses_connections(port)
