"""Databases on the twin's private servers through what happens between requests: a server that had to move to
another port while the twin was down, and a state import that refers to databases the server lacks."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database, new_tenant
from tests.packs.polykomos.servers import SqlClient

MakeClient = Callable[..., TestClient]


def polykomos_twin(make_client: MakeClient, **settings: Any) -> tuple[TestClient, Tenant]:
    """An in-process twin of Polykomos alone on its private servers, and a tenant of it."""
    client = make_client(services=["polykomos"], **settings)
    return client, new_tenant(client)


def database(client: TestClient, tenant: Tenant, uuid: str) -> dict[str, Any]:
    response = client.get(f"{API}/databases/{uuid}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def with_a_note(client: TestClient, tenant: Tenant, name: str) -> dict[str, Any]:
    """A new database holding one row, ``kept``, in its table ``notes``."""
    created = create_database(client, tenant, name)
    with SqlClient(created["connection_string"]) as session:
        session.execute("CREATE TABLE notes (body text)")
        session.execute("INSERT INTO notes VALUES ('kept')")
    return created


def notes(connection_string: str) -> list[tuple[Any, ...]]:
    """What ``notes`` holds, read with nothing but the connection string."""
    with SqlClient(connection_string) as session:
        return session.execute("SELECT body FROM notes")


def import_state(client: TestClient, snapshot: dict[str, Any]) -> None:
    """``/_twinstack/state/import``, then run the jobs it made due (as the scheduler soon would)."""
    assert client.post("/_twinstack/state/import", json=snapshot).status_code == 200
    client.post("/_twinstack/clock/advance", json={"seconds": 0}).raise_for_status()


def test_databases_follow_a_private_server_that_moved_to_another_port(make_client: MakeClient,
                                                                      tmp_path: Path) -> None:
    state = tmp_path / "kept"
    before, tenant = polykomos_twin(make_client, data_dir=state)
    created = with_a_note(before, tenant, "moving")
    old_port = int(created["port"])
    before.__exit__(None, None, None)  # the twin stops, and its PostgreSQL with it

    with socket.socket() as squatter:
        # Reusable: the stopped server's last connections may still linger in TIME_WAIT on that port.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", old_port))
        squatter.listen()
        after = make_client(data_dir=state, services=["polykomos"])
        shown = database(after, tenant, created["uuid"])
        port = int(shown["port"])
        assert port != old_port
        assert shown["connection_string"] == created["connection_string"].replace(f":{old_port}/", f":{port}/")
        listed = after.get(f"{API}/databases", headers=tenant.headers).json()["data"]
        assert (listed[0]["port"], f"@127.0.0.1:{port}/" in listed[0]["connection_string"]) == (port, True)
        assert notes(shown["connection_string"]) == [("kept",)]


@dataclass(slots=True)
class Exported:
    client: TestClient
    tenant: Tenant
    database: dict[str, Any]
    """As created: with its password and the full connection string."""
    snapshot: dict[str, Any]


@pytest.fixture
def exported(make_client: MakeClient) -> Exported:
    """A twin with one database holding a note, and the state exported with it."""
    client, tenant = polykomos_twin(make_client)
    created = with_a_note(client, tenant, "exported")
    return Exported(client, tenant, created, client.get("/_twinstack/state/export").json())


def test_a_state_import_makes_the_databases_the_server_lacks_again_empty_under_their_stored_login(
    exported: Exported,
) -> None:
    client, tenant, created = exported.client, exported.tenant, exported.database
    assert client.delete(f"{API}/databases/{created['uuid']}", headers=tenant.headers).status_code == 200

    import_state(client, exported.snapshot)
    restored = database(client, tenant, created["uuid"])
    assert restored["status"] == "active"
    assert restored["connection_string"] == created["connection_string"]
    with SqlClient(restored["connection_string"]) as session:
        assert session.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_a_state_import_leaves_a_database_the_server_has_as_it_is(exported: Exported) -> None:
    import_state(exported.client, exported.snapshot)
    shown = database(exported.client, exported.tenant, exported.database["uuid"])
    assert (shown["status"], shown["connection_string"]) == ("active", exported.database["connection_string"])
    assert notes(shown["connection_string"]) == [("kept",)]


def test_a_state_import_without_a_server_for_the_engine_shows_its_databases_provisioning(
    make_client: MakeClient, exported: Exported,
) -> None:
    target = make_client(services=["polykomos"], embedded_databases=False)
    import_state(target, exported.snapshot)
    shown = database(target, exported.tenant, exported.database["uuid"])
    assert (shown["status"], shown["connection_string"], shown["db_password"]) == ("provisioning", "", None)
