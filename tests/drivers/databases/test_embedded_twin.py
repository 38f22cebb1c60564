"""The private servers inside an in-process twin: what health shows, what a reset drops, what a missing engine says.

``make_client`` enters the app's lifespan, whose end stops the twin and with
it every private server it started.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.drivers.databases.embedded import refuses_connections
from twinstack.drivers.databases import embedded_mysql

API = "/polykomos/api/v1"


def polykomos_key(client: TestClient) -> dict[str, str]:
    key = tenant_credentials(client)["credentials"]["polykomos"]["api_key"]
    return {"Authorization": f"Bearer {key}"}


def create(client: TestClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/databases", headers={**auth, "Idempotency-Key": str(uuid.uuid4())}, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_health_lists_the_private_server_once_it_runs_and_reset_drops_its_databases(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(services=["polykomos"])
    auth = polykomos_key(client)
    assert set(client.get("/_twinstack/health").json()["endpoints"]) == {"http"}
    database = create(client, auth, name="before-reset")
    assert database["status"] == "active"
    endpoints = client.get("/_twinstack/health").json()["endpoints"]
    assert endpoints["postgres"] == f"postgresql://127.0.0.1:{database['port']}"
    psycopg.connect(database["connection_string"], connect_timeout=5).close()

    client.post("/_twinstack/reset").raise_for_status()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(database["connection_string"], connect_timeout=5).close()
    servers = client.app.state.runtime.settings.database_servers  # type: ignore[attr-defined]
    assert not servers.provisioner("postgres").exists(database["db_name"])


def test_stopping_the_twin_stops_its_private_server(make_client: Callable[..., TestClient]) -> None:
    client = make_client(services=["polykomos"])
    port = int(create(client, polykomos_key(client), name="short-lived")["port"])
    client.__exit__(None, None, None)
    assert refuses_connections(port)


def test_without_mysql_binaries_mysql_is_unavailable_and_creation_names_what_to_install(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedded_mysql, "find_server", lambda: None)
    client = make_client(services=["polykomos"])
    auth = polykomos_key(client)
    types = {t["value"]: t for t in client.get(f"{API}/database_types", headers=auth).json()["data"]}
    assert types["postgres"]["is_available"] is True
    assert types["mysql"]["is_available"] is False and "mariadb-server" in types["mysql"]["unavailable_reason"]
    response = client.post(f"{API}/databases", headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
                           json={"name": "app", "db_type": "mysql"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "engine_unavailable" and "--mysql-admin-url" in error["message"]
    assert "mariadb-server" in error["message"]
