"""The storage quota against the server's own size figure: warning, read-only ``paused``, and back."""

from __future__ import annotations

import json

import psycopg
import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Receive, Tenant, create_database
from tests.packs.polykomos.servers import SqlClient, db_name

GIB = 1024**3


def set_quotas(client: TestClient, tenant: Tenant, uuid: str, **quotas: object) -> dict[str, object]:
    response = client.patch(f"{API}/databases/{uuid}/quotas", headers=tenant.idempotent(), json=quotas)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def test_past_the_hard_limit_the_database_is_paused_read_only_until_the_limit_is_raised(
    db_client: TestClient, db_tenant: Tenant, receive: Receive
) -> None:
    receiver = receive()
    subscribed = db_client.post(f"{API}/webhook_endpoints", headers=db_tenant.idempotent(),
                                json={"url": receiver.url, "events": ["database.storage_warning", "database.paused",
                                                                      "database.resumed"]})
    assert subscribed.status_code == 201, subscribed.text
    created = create_database(db_client, db_tenant, db_name("storage"))
    with SqlClient(created["connection_string"]) as sql:
        [(size,)] = sql.execute("SELECT pg_database_size(current_database())")
        sql.execute("CREATE TABLE filler (id INTEGER, body TEXT)")
    # Room for about 2 MiB more; the threshold is already passed.
    data = set_quotas(db_client, db_tenant, created["uuid"], storage_hard_limit_gb=(size + 2 * 1024**2) / GIB,
                      warning_threshold_pct=50)
    assert data["status"] == "active"

    with SqlClient(created["connection_string"]) as sql:
        sql.execute("INSERT INTO filler SELECT g, md5(g::text) FROM generate_series(1, 60000) g")
    assert db_client.post("/_twinstack/clock/advance", json={"seconds": 60}).status_code == 200
    paused = db_client.get(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers).json()["data"]
    assert paused["status"] == "paused"
    with SqlClient(created["connection_string"]) as sql:
        assert sql.execute("SELECT count(*) FROM filler") == [(60000,)]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            sql.execute("INSERT INTO filler VALUES (0, 'more')")

    resumed = set_quotas(db_client, db_tenant, created["uuid"], storage_hard_limit_gb=1)
    assert resumed["status"] == "active"
    with SqlClient(created["connection_string"]) as sql:
        sql.execute("INSERT INTO filler VALUES (0, 'more')")
    db_client.post("/_twinstack/clock/advance", json={"seconds": 0})
    events = [json.loads(r.body) for r in receiver.requests]
    assert [e["type"] for e in events] == ["database.storage_warning", "database.paused", "database.resumed"]
    assert events[1]["data"]["status"] == "paused" and events[1]["data"]["size_bytes"] > size
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)
