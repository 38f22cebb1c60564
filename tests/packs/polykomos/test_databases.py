"""Databases made for real on the machine's PostgreSQL and MariaDB, through the API and a real client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database, new_tenant
from tests.packs.polykomos.servers import LoginRefused, SqlClient, admin_execute, db_name
from tests.packs.polykomos.test_errors import api_error

ENGINES = ["postgres", "mysql"]


def server_has_database(engine: str, name: str) -> bool:
    if engine == "postgres":
        return bool(admin_execute(engine, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)))
    return bool(admin_execute(engine, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,)))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_created_database_is_active_and_its_connection_string_works(
    db_client: TestClient, db_tenant: Tenant, engine: str
) -> None:
    name = db_name(f"real-{engine}")
    created = create_database(db_client, db_tenant, name, db_type=engine)
    assert created["status"] == "active"
    assert (created["db_type"], created["db_name"], created["host"]) == (engine, name, "127.0.0.1")
    assert created["connection_string"].startswith("postgresql://" if engine == "postgres" else "mysql://")
    assert created["db_password"] and created["db_password"] in created["connection_string"]
    with SqlClient(created["connection_string"]) as sql:
        sql.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(40))")
        sql.execute("INSERT INTO notes VALUES (1, 'hello'), (2, 'world')")
        assert sql.execute("SELECT body FROM notes ORDER BY id") == [("hello",), ("world",)]
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


@pytest.mark.parametrize("engine", ENGINES)
def test_delete_drops_the_database_from_the_server_then_404(
    db_client: TestClient, db_tenant: Tenant, engine: str
) -> None:
    created = create_database(db_client, db_tenant, db_name(f"gone-{engine}"), db_type=engine)
    assert server_has_database(engine, created["db_name"])
    response = db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.idempotent())
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "object": "database", "uuid": created["uuid"], "deleted": True, "cancelled_provision_jobs": 0,
        "destroy_scheduled_at": None, "has_remote_resources": True,
    }
    assert not server_has_database(engine, created["db_name"])
    with pytest.raises(LoginRefused):
        SqlClient(created["connection_string"])
    for method in ("GET", "PATCH", "DELETE"):
        again = db_client.request(method, f"{API}/databases/{created['uuid']}", headers=db_tenant.idempotent(), json={})
        api_error(again, 404, "not_found")


@pytest.mark.parametrize("engine", ENGINES)
def test_reset_drops_the_real_databases_the_state_owned(db_client: TestClient, db_tenant: Tenant, engine: str) -> None:
    created = create_database(db_client, db_tenant, db_name(f"reset-{engine}"), db_type=engine)
    assert server_has_database(engine, created["db_name"])
    assert db_client.post("/_twinstack/reset").status_code == 200
    assert not server_has_database(engine, created["db_name"])


@pytest.mark.parametrize("engine", ENGINES)
def test_another_tenants_login_cannot_open_the_database(db_client: TestClient, db_tenant: Tenant, engine: str) -> None:
    mine = create_database(db_client, db_tenant, db_name(f"mine-{engine}"), db_type=engine)
    other_tenant = new_tenant(db_client)
    theirs = create_database(db_client, other_tenant, db_name(f"theirs-{engine}"), db_type=engine)
    # Their own login and password, aimed at my database.
    intruder = theirs["connection_string"].rsplit("/", 1)[0] + "/" + mine["db_name"]
    with pytest.raises(LoginRefused):
        SqlClient(intruder)
    api_error(db_client.get(f"{API}/databases/{mine['uuid']}", headers=other_tenant.headers), 404, "not_found")
    for tenant, made in ((db_tenant, mine), (other_tenant, theirs)):
        db_client.delete(f"{API}/databases/{made['uuid']}", headers=tenant.headers)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_server_refuses_the_connection_past_the_limit(db_client: TestClient, db_tenant: Tenant, engine: str) -> None:
    created = create_database(db_client, db_tenant, db_name(f"limit-{engine}"), db_type=engine, connection_hard_limit=2)
    assert created["quotas"]["connection_hard_limit"] == 2
    opened = [SqlClient(created["connection_string"]) for _ in range(2)]
    try:
        with pytest.raises(LoginRefused):
            SqlClient(created["connection_string"])
    finally:
        for session in opened:
            session.close()
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


@pytest.mark.parametrize("engine", ENGINES)
def test_lowering_the_connection_quota_applies_on_the_server(db_client: TestClient, db_tenant: Tenant, engine: str) -> None:
    created = create_database(db_client, db_tenant, db_name(f"quota-{engine}"), db_type=engine)
    response = db_client.patch(
        f"{API}/databases/{created['uuid']}/quotas", headers=db_tenant.idempotent(), json={"connection_hard_limit": 1}
    )
    assert response.status_code == 200, response.text
    assert response.json()["message"] and response.json()["data"]["quotas"] == {
        "storage_hard_limit_gb": 0.5, "connection_hard_limit": 1, "warning_threshold_pct": 80,
    }
    with SqlClient(created["connection_string"]):
        with pytest.raises(LoginRefused):
            SqlClient(created["connection_string"])
    lifted = db_client.patch(
        f"{API}/databases/{created['uuid']}/quotas", headers=db_tenant.idempotent(), json={"connection_hard_limit": None}
    )
    assert lifted.json()["data"]["quotas"]["connection_hard_limit"] is None
    with SqlClient(created["connection_string"]), SqlClient(created["connection_string"]):
        pass
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


def test_list_masks_the_password_get_reveals_it(db_client: TestClient, db_tenant: Tenant) -> None:
    created = create_database(db_client, db_tenant, db_name("listed"))
    listed = db_client.get(f"{API}/databases", headers=db_tenant.headers).json()
    assert listed["has_more"] is False
    [item] = listed["data"]
    assert item["uuid"] == created["uuid"] and item["db_password"] is None
    assert ":***@" in item["connection_string"] and created["db_password"] not in item["connection_string"]
    got = db_client.get(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers).json()["data"]
    assert got == created
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


def test_lists_page_newest_first_with_starting_after(db_client: TestClient, db_tenant: Tenant) -> None:
    made = [create_database(db_client, db_tenant, db_name(f"page-{i}"))["uuid"] for i in range(3)]
    first = db_client.get(f"{API}/databases?limit=2", headers=db_tenant.headers).json()
    assert [d["uuid"] for d in first["data"]] == [made[2], made[1]] and first["has_more"] is True
    rest = db_client.get(f"{API}/databases?limit=2&starting_after={made[1]}", headers=db_tenant.headers).json()
    assert [d["uuid"] for d in rest["data"]] == [made[0]] and rest["has_more"] is False
    unknown = db_client.get(f"{API}/databases?starting_after=nope", headers=db_tenant.headers).json()
    assert unknown["data"] == []
    for uuid in made:
        db_client.delete(f"{API}/databases/{uuid}", headers=db_tenant.headers)


def test_update_renames_the_label_and_keeps_the_server_name(db_client: TestClient, db_tenant: Tenant) -> None:
    created = create_database(db_client, db_tenant, db_name("label"))
    renamed = db_client.patch(f"{API}/databases/{created['uuid']}", headers=db_tenant.idempotent(), json={"name": "shop"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["data"]["name"], renamed.json()["data"]["db_name"]) == ("shop", created["db_name"])
    unchanged = db_client.patch(f"{API}/databases/{created['uuid']}", headers=db_tenant.idempotent(), json={})
    assert unchanged.json()["data"]["name"] == "shop"
    bad = db_client.patch(f"{API}/databases/{created['uuid']}", headers=db_tenant.idempotent(), json={"name": "No"})
    assert api_error(bad, 422, "invalid_field")["error"]["details"]["field"] == "name"
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"db_type": "oracle"}, "db_type", "invalid_field"),
        ({"region": "mars-1"}, "region", "invalid_field"),
        ({"team_id": 999999}, "team_id", "invalid_field"),
        ({"connection_hard_limit": -1}, "connection_hard_limit", "invalid_field"),
        ({"storage_hard_limit_gb": -1}, "storage_hard_limit_gb", "invalid_field"),
        ({"blueprint_uuid": "00000000-0000-4000-8000-000000000000"}, "blueprint_uuid", "invalid_field"),
    ],
)
def test_business_rules_of_create_are_422_naming_the_field(
    db_client: TestClient, db_tenant: Tenant, fields: dict[str, Any], field: str, code: str
) -> None:
    response = db_client.post(f"{API}/databases", headers=db_tenant.idempotent(),
                              json={"name": db_name("refused"), **fields})
    assert api_error(response, 422, code)["error"]["details"]["field"] == field
    assert db_client.get(f"{API}/databases", headers=db_tenant.headers).json()["data"] == []


def test_database_types_tell_the_truth_about_the_servers(db_client: TestClient, db_tenant: Tenant) -> None:
    types = db_client.get(f"{API}/database_types", headers=db_tenant.headers).json()["data"]
    assert [(t["value"], t["is_provisionable"], t["is_available"]) for t in types] == [
        ("postgres", True, True), ("mysql", True, True),
    ]
    assert all(region["is_available"] for t in types for region in t["regions"])
    assert "us-east-1" in [region["code"] for region in types[0]["regions"]]


def test_without_servers_engines_are_unavailable_and_creation_says_why(make_client: Callable[..., TestClient]) -> None:
    client = make_client(embedded_databases=False)
    tenant = new_tenant(client)
    types = client.get(f"{API}/database_types", headers=tenant.headers).json()["data"]
    assert [(t["value"], t["is_available"]) for t in types] == [("postgres", False), ("mysql", False)]
    assert "--postgres-admin-url" in types[0]["unavailable_reason"]
    response = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": "app"})
    body = api_error(response, 422, "engine_unavailable")
    assert body["error"]["details"]["field"] == "db_type"
    assert "PostgreSQL is not available" in body["error"]["message"] and "--postgres-admin-url" in body["error"]["message"]
    mysql = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": "app", "db_type": "mysql"})
    assert "--mysql-admin-url" in api_error(mysql, 422, "engine_unavailable")["error"]["message"]
    assert client.get(f"{API}/databases", headers=tenant.headers).json()["data"] == []


def test_an_unreachable_server_is_reported_with_its_own_words(make_client: Callable[..., TestClient]) -> None:
    client = make_client(postgres_admin_url="postgresql://postgres@127.0.0.1:1/postgres")
    tenant = new_tenant(client)
    [postgres, _] = client.get(f"{API}/database_types", headers=tenant.headers).json()["data"]
    assert (postgres["is_provisionable"], postgres["is_available"]) == (True, False)
    assert "refused" in postgres["unavailable_reason"]
    response = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": "app"})
    assert "refused" in api_error(response, 422, "engine_unavailable")["error"]["message"]
