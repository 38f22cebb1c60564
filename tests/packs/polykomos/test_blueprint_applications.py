"""Blueprints applied for real: one transaction on PostgreSQL, MySQL's implicit commits reported, variables safe."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database, new_tenant
from tests.packs.polykomos.servers import SqlClient, db_name
from tests.packs.polykomos.test_blueprints import SEED_CONTACTS, create_blueprint
from tests.packs.polykomos.test_errors import api_error

GOOD = (
    "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body VARCHAR(80));\n"
    "INSERT INTO notes VALUES (1, 'first; with a semicolon'), (2, 'second');"
)
FAILING = (
    "CREATE TABLE IF NOT EXISTS staged (id INTEGER);\n"
    "INSERT INTO staged VALUES (1);\n"
    "INSERT INTO no_such_table VALUES (1);"
)


def apply(client: TestClient, tenant: Tenant, database: dict[str, Any], blueprint: dict[str, Any],
          **fields: Any) -> Any:
    return client.post(f"{API}/databases/{database['uuid']}/blueprint_applications", headers=tenant.idempotent(),
                       json={"blueprint_uuid": blueprint["uuid"], **fields})


def tables(database: dict[str, Any]) -> set[str]:
    with SqlClient(database["connection_string"]) as sql:
        if database["db_type"] == "postgres":
            rows = sql.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        else:
            rows = sql.execute("SHOW TABLES")
    return {str(r[0]) for r in rows}


@pytest.fixture
def database(db_client: TestClient, db_tenant: Tenant, request: pytest.FixtureRequest) -> Any:
    engine = getattr(request, "param", "postgres")
    made = create_database(db_client, db_tenant, db_name(f"bp-{engine}"), db_type=engine)
    yield made
    db_client.delete(f"{API}/databases/{made['uuid']}", headers=db_tenant.headers)


BOTH = pytest.mark.parametrize("database", ["postgres", "mysql"], indirect=True)


@BOTH
def test_a_good_blueprint_creates_its_tables_for_real(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    blueprint = create_blueprint(db_client, db_tenant, "notes", GOOD)
    response = apply(db_client, db_tenant, database, blueprint)
    assert response.status_code == 200, response.text
    application = response.json()["data"]
    assert (application["status"], application["is_dry_run"], application["error_message"]) == ("completed", False, None)
    assert (application["statements_total"], application["statements_succeeded"], application["statements_failed"]) == (2, 2, 0)
    assert application["blueprint_version"] == 1 and isinstance(application["blueprint_id"], int)
    assert isinstance(application["database_instance_id"], int)
    assert [e["rows_affected"] for e in application["execution_log"]][1] == 2
    assert application["started_at"] and application["completed_at"]
    with SqlClient(database["connection_string"]) as sql:
        assert sql.execute("SELECT body FROM notes ORDER BY id") == [("first; with a semicolon",), ("second",)]
    got = db_client.get(f"{API}/blueprint_applications/{application['id']}", headers=db_tenant.headers)
    assert got.json()["data"] == application


def test_a_failing_statement_rolls_everything_back_on_postgres(
    db_client: TestClient, db_tenant: Tenant, database: Any
) -> None:
    blueprint = create_blueprint(db_client, db_tenant, "failing", FAILING)
    response = apply(db_client, db_tenant, database, blueprint)
    assert response.status_code == 200, response.text
    application = response.json()["data"]
    assert application["status"] == "rolled_back"
    assert (application["statements_succeeded"], application["statements_failed"]) == (2, 1)
    assert 'relation "no_such_table" does not exist' in application["error_message"]
    assert [e["status"] for e in application["execution_log"]] == ["succeeded", "succeeded", "failed"]
    assert "staged" not in tables(database)


@pytest.mark.parametrize("database", ["mysql"], indirect=True)
def test_mysql_reports_what_its_implicit_commit_kept(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    blueprint = create_blueprint(db_client, db_tenant, "failing", FAILING)
    application = apply(db_client, db_tenant, database, blueprint).json()["data"]
    assert application["status"] == "failed"
    assert "committed implicitly by MySQL" in application["error_message"]
    assert [e["committed"] for e in application["execution_log"]] == [True, False, False]
    assert "staged" in tables(database)
    with SqlClient(database["connection_string"]) as sql:
        assert sql.execute("SELECT count(*) FROM staged") == [(0,)]


@BOTH
def test_a_dry_run_leaves_the_schema_unchanged(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    blueprint = create_blueprint(db_client, db_tenant, "notes", GOOD)
    application = apply(db_client, db_tenant, database, blueprint, dry_run=True).json()["data"]
    assert (application["status"], application["is_dry_run"], application["statements_succeeded"]) == ("completed", True, 2)
    assert tables(database) == set()


def test_variables_are_substituted_safely(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    sql = "CREATE TABLE IF NOT EXISTS {{table}} (name TEXT);\nINSERT INTO {{table}} VALUES ('{{who}}');"
    blueprint = create_blueprint(db_client, db_tenant, "vars", sql, variables={"table": {"default": "people"},
                                                                                "who": {"required": True}})
    hostile = "O'Brien'); DROP TABLE people; --"
    application = apply(db_client, db_tenant, database, blueprint, variables={"who": hostile}).json()["data"]
    assert application["status"] == "completed" and application["variable_values"] == {"table": "people", "who": hostile}
    with SqlClient(database["connection_string"]) as sql_client:
        assert sql_client.execute("SELECT name FROM people") == [(hostile,)]
    missing = apply(db_client, db_tenant, database, blueprint)
    assert api_error(missing, 422, "invalid_field")["error"]["details"]["field"] == "variables.who"
    outside = apply(db_client, db_tenant, database, blueprint, variables={"who": "x", "table": "t; DROP TABLE people"})
    body = api_error(outside, 422, "invalid_field")
    assert body["error"]["details"]["field"] == "variables.table"
    assert "plain name or a number" in body["error"]["message"]


def test_a_database_created_with_a_blueprint_arrives_seeded(db_client: TestClient, db_tenant: Tenant) -> None:
    created = create_database(db_client, db_tenant, db_name("seeded"), blueprint_uuid=SEED_CONTACTS,
                              blueprint_variables={"owner_name": "Grace"})
    with SqlClient(created["connection_string"]) as sql:
        assert sql.execute("SELECT name FROM contacts ORDER BY id") == [("Grace",), ("Ada Lovelace",)]
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


def test_application_errors_name_the_cause(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    unknown_blueprint = apply(db_client, db_tenant, database, {"uuid": "00000000-0000-4000-8000-000000000000"})
    assert api_error(unknown_blueprint, 422, "invalid_field")["error"]["details"]["field"] == "blueprint_uuid"
    blueprint = create_blueprint(db_client, db_tenant, "notes", GOOD)
    unknown_database = apply(db_client, db_tenant, {"uuid": "00000000-0000-4000-8000-000000000000"}, blueprint)
    api_error(unknown_database, 404, "not_found")
    other = new_tenant(db_client)
    api_error(apply(db_client, other, database, blueprint), 404, "not_found")
    application = apply(db_client, db_tenant, database, blueprint).json()["data"]
    api_error(db_client.get(f"{API}/blueprint_applications/{application['id']}", headers=other.headers), 404, "not_found")


def test_an_invalid_blueprint_fails_without_running(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    blueprint = create_blueprint(db_client, db_tenant, "bad", "CREATE TABLE ok (id int); GRANT ALL ON ok TO public;")
    application = apply(db_client, db_tenant, database, blueprint).json()["data"]
    assert application["status"] == "failed" and "GRANT/REVOKE is not allowed" in application["error_message"]
    assert application["execution_log"] == [] and tables(database) == set()


def test_without_wait_the_application_is_queued_then_run(db_client: TestClient, db_tenant: Tenant, database: Any) -> None:
    blueprint = create_blueprint(db_client, db_tenant, "notes", GOOD)
    response = apply(db_client, db_tenant, database, blueprint, wait=False)
    assert response.status_code == 202 and response.json()["data"]["status"] == "pending"
    db_client.post("/_twinstack/clock/advance", json={"seconds": 0})
    got = db_client.get(f"{API}/blueprint_applications/{response.json()['data']['id']}", headers=db_tenant.headers)
    assert got.json()["data"]["status"] == "completed" and "notes" in tables(database)


def test_a_database_still_provisioning_is_not_ready(make_client: Any, database_servers: dict[str, str]) -> None:
    client = make_client(speed="realistic", postgres_admin_url=database_servers["postgres"])
    tenant = new_tenant(client)
    response = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": db_name("early")})
    assert response.status_code == 202, response.text
    blueprint = create_blueprint(client, tenant, "notes", GOOD)
    early = apply(client, tenant, response.json()["data"], blueprint)
    assert api_error(early, 422, "database_not_ready")["error"]["details"]["status"] == "provisioning"
    client.delete(f"{API}/databases/{response.json()['data']['uuid']}", headers=tenant.headers)
