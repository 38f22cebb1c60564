"""``provisioning -> active`` on the twin clock, 201 vs 202, Idempotency-Key replays that survive a restart, and
a delete whose drop the server is slow to finish."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pymysql  # type: ignore[import-untyped]  # ships no type information
import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database, new_tenant
from tests.packs.polykomos.servers import ADMIN_URLS, LoginRefused, SqlClient, db_name
from tests.packs.polykomos.test_databases import server_has_database
from tests.packs.polykomos.test_errors import api_error

MakeDbClient = Callable[..., TestClient]


@pytest.fixture
def make_db_client(make_client: Callable[..., TestClient], database_servers: dict[str, str]) -> MakeDbClient:
    def make(**settings: Any) -> TestClient:
        return make_client(
            postgres_admin_url=database_servers["postgres"], mysql_admin_url=database_servers["mysql"], **settings
        )

    return make


def test_without_wait_creation_is_202_provisioning_until_the_clock_moves(make_db_client: MakeDbClient) -> None:
    client = make_db_client(speed="realistic")
    tenant = new_tenant(client)
    response = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": db_name("async")})
    assert response.status_code == 202, response.text
    body = response.json()
    uuid = body["data"]["uuid"]
    assert body["data"]["status"] == "provisioning" and body["data"]["connection_string"] == ""
    assert body["data"]["db_password"] is None
    assert body["provisioning"] == {
        "completed": False, "waited_seconds": 0, "poll_url": f"http://testserver/polykomos/api/v1/databases/{uuid}",
    }
    assert client.get(f"{API}/databases/{uuid}", headers=tenant.headers).json()["data"]["status"] == "provisioning"
    assert client.post("/_twinstack/clock/advance", json={"seconds": 20}).status_code == 200
    active = client.get(f"{API}/databases/{uuid}", headers=tenant.headers).json()["data"]
    assert active["status"] == "active"
    with SqlClient(active["connection_string"]) as sql:
        assert sql.execute("SELECT 1") == [(1,)]
    client.delete(f"{API}/databases/{uuid}", headers=tenant.headers)


def test_wait_true_holds_the_request_until_active(make_db_client: MakeDbClient) -> None:
    client = make_db_client(speed="fast")
    tenant = new_tenant(client)
    response = client.post(
        f"{API}/databases?wait=true&timeout=30", headers=tenant.idempotent(), json={"name": db_name("waited")}
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["status"] == "active"
    client.delete(f"{API}/databases/{response.json()['data']['uuid']}", headers=tenant.headers)


def test_a_wait_that_times_out_is_202_and_a_delete_then_cancels_the_job(make_db_client: MakeDbClient) -> None:
    client = make_db_client(speed="realistic")
    tenant = new_tenant(client)
    name = db_name("cancelled")
    response = client.post(f"{API}/databases?wait=true&timeout=1", headers=tenant.idempotent(), json={"name": name})
    assert response.status_code == 202, response.text
    assert response.json()["provisioning"]["waited_seconds"] == 1
    uuid = response.json()["data"]["uuid"]
    deleted = client.delete(f"{API}/databases/{uuid}", headers=tenant.headers)
    assert deleted.json()["data"]["cancelled_provision_jobs"] == 1
    assert deleted.json()["data"]["has_remote_resources"] is False
    client.post("/_twinstack/clock/advance", json={"seconds": 60})
    assert not server_has_database("postgres", name)
    api_error(client.get(f"{API}/databases/{uuid}", headers=tenant.headers), 404, "not_found")


def test_the_same_key_and_body_replays_the_answer_without_a_second_database(
    db_client: TestClient, db_tenant: Tenant
) -> None:
    headers = db_tenant.idempotent()
    body = {"name": db_name("once")}
    first = db_client.post(f"{API}/databases", headers=headers, json=body)
    again = db_client.post(f"{API}/databases", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["data"] == first.json()["data"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["request_id"] == again.headers["X-Request-Id"] != first.json()["request_id"]
    assert len(db_client.get(f"{API}/databases", headers=db_tenant.headers).json()["data"]) == 1
    db_client.delete(f"{API}/databases/{first.json()['data']['uuid']}", headers=db_tenant.headers)


def test_the_same_key_with_another_body_is_422_idempotency_key_reused(db_client: TestClient, db_tenant: Tenant) -> None:
    headers = db_tenant.idempotent()
    first = db_client.post(f"{API}/databases", headers=headers, json={"name": db_name("first")})
    assert first.status_code == 201, first.text
    other = db_client.post(f"{API}/databases", headers=headers, json={"name": db_name("second")})
    body = api_error(other, 422, "idempotency_key_reused")
    assert body["error"]["details"]["field"] == "Idempotency-Key"
    assert len(db_client.get(f"{API}/databases", headers=db_tenant.headers).json()["data"]) == 1
    db_client.delete(f"{API}/databases/{first.json()['data']['uuid']}", headers=db_tenant.headers)


def test_a_refused_request_keeps_no_record_so_its_key_can_be_retried(db_client: TestClient, db_tenant: Tenant) -> None:
    headers = db_tenant.idempotent()
    refused = db_client.post(f"{API}/databases", headers=headers, json={"name": "x", "region": "mars-1"})
    api_error(refused, 422, "invalid_field")
    retried = db_client.post(f"{API}/databases", headers=headers, json={"name": "x", "region": "mars-1"})
    api_error(retried, 422, "invalid_field")


def test_keys_belong_to_the_api_key_that_used_them(db_client: TestClient, db_tenant: Tenant) -> None:
    headers = db_tenant.idempotent()
    mine = db_client.post(f"{API}/databases", headers=headers, json={"name": db_name("k1")})
    other = new_tenant(db_client)
    theirs = db_client.post(
        f"{API}/databases", headers={**headers, **other.headers}, json={"name": db_name("k1")}
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["data"]["uuid"] != theirs.json()["data"]["uuid"]
    db_client.delete(f"{API}/databases/{mine.json()['data']['uuid']}", headers=db_tenant.headers)
    db_client.delete(f"{API}/databases/{theirs.json()['data']['uuid']}", headers=other.headers)


def test_replays_survive_a_restart(make_db_client: MakeDbClient, tmp_path: Path) -> None:
    state = tmp_path / "kept"
    before = make_db_client(data_dir=state)
    tenant = new_tenant(before)
    headers = tenant.idempotent()
    first = before.post(f"{API}/databases", headers=headers, json={"name": db_name("durable")})
    assert first.status_code == 201, first.text
    before.__exit__(None, None, None)
    after = make_db_client(data_dir=state)
    again = after.post(f"{API}/databases", headers=headers, json={"name": db_name("durable")})
    assert again.status_code == 201 and again.json()["data"]["uuid"] == first.json()["data"]["uuid"]
    assert len(after.get(f"{API}/databases", headers=tenant.headers).json()["data"]) == 1
    after.delete(f"{API}/databases/{first.json()['data']['uuid']}", headers=tenant.headers)


def test_a_delete_replayed_with_its_key_answers_the_same(db_client: TestClient, db_tenant: Tenant) -> None:
    created = db_client.post(f"{API}/databases", headers=db_tenant.idempotent(), json={"name": db_name("redel")})
    uuid = created.json()["data"]["uuid"]
    headers = db_tenant.idempotent()
    first = db_client.delete(f"{API}/databases/{uuid}", headers=headers)
    again = db_client.delete(f"{API}/databases/{uuid}", headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["data"] == first.json()["data"]
    api_error(db_client.delete(f"{API}/databases/{uuid}", headers=db_tenant.idempotent()), 404, "not_found")


def test_a_drop_the_server_is_slow_to_finish_is_answered_in_time_and_ends_in_the_background(
    db_client: TestClient, db_tenant: Tenant
) -> None:
    created = create_database(db_client, db_tenant, db_name("slow-drop"), db_type="mysql")
    with SqlClient(created["connection_string"]) as session:
        session.execute("CREATE TABLE kept (id INT)")
    admin = urlsplit(ADMIN_URLS["mysql"])
    holder = pymysql.connect(host=admin.hostname, port=admin.port, user=admin.username, password=admin.password or "",
                             autocommit=True)
    try:
        # Another session's table lock (it is on no database, so the drop does not end it): DROP DATABASE waits.
        holder.cursor().execute(f"LOCK TABLES `{created['db_name']}`.`kept` READ")
        started = time.monotonic()
        deleted = db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)
        # The lock holds the drop up to MySQL's 30 s lock wait; the answer does not wait that long.
        assert time.monotonic() - started < 8
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["data"]["has_remote_resources"] is True
        assert deleted.json()["data"]["destroy_scheduled_at"] is not None
        with pytest.raises(LoginRefused):
            SqlClient(created["connection_string"])
        api_error(db_client.get(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers), 404, "not_found")
        assert server_has_database("mysql", created["db_name"])
    finally:
        holder.close()
    deadline = time.monotonic() + 30
    while server_has_database("mysql", created["db_name"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server_has_database("mysql", created["db_name"])
