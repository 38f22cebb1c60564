"""Blueprints: CRUD, system blueprints, and SQL validation by the real parsers, with positions."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, new_tenant
from tests.packs.polykomos.test_errors import api_error

SEED_CONTACTS = "ff9b385e-fa44-510e-897b-7ac4bfba85ec"
"""The system blueprint `seed-contacts`: the same UUID in every state and on every machine."""


def validate(client: TestClient, tenant: Tenant, sql: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{API}/blueprint_validations", headers=tenant.headers, json={"sql_content": sql, **extra})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def create_blueprint(client: Any, tenant: Tenant, name: str, sql: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/blueprints", headers=tenant.idempotent(), json={"name": name, "sql_content": sql,
                                                                                   **fields})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_sql_that_does_not_parse_is_invalid_with_its_position(client: TestClient, tenant: Tenant) -> None:
    data = validate(client, tenant, "CREATE TABLE a (id int);\n-- a comment; with a semicolon\nSELEC 1;")
    assert data["valid"] is False and data["statement_count"] == 2
    assert data["errors"] == ['statement 2, line 3, column 1: syntax error at or near "SELEC"']
    assert data["problems"] == [
        {"statement": 1, "position": 56, "line": 3, "column": 1, "message": 'syntax error at or near "SELEC"'},
    ]


def test_good_sql_is_valid_with_a_manifest(client: TestClient, tenant: Tenant) -> None:
    sql = (
        "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text DEFAULT 'a;b');\n"
        "CREATE INDEX IF NOT EXISTS notes_body ON notes (body);\n"
        "CREATE VIEW recent AS SELECT * FROM notes;\n"
        "CREATE FUNCTION n() RETURNS bigint AS $$ SELECT count(*) FROM notes; $$ LANGUAGE sql;\n"
        "INSERT INTO notes (body) VALUES ('x'), ('y');"
    )
    data = validate(client, tenant, sql)
    assert (data["valid"], data["statement_count"], data["errors"]) == (True, 5, [])
    assert data["manifest"] == {"tables": ["notes"], "indexes": ["notes_body"], "views": ["recent"],
                                "functions": ["n"], "extensions": [], "inserts": {"notes": 2}}
    assert data["warnings"] == []


def test_statements_a_blueprint_may_not_run_are_errors_and_risky_ones_warnings(client: TestClient, tenant: Tenant) -> None:
    data = validate(client, tenant, "BEGIN;\nCREATE TABLE t (id int);\nDROP DATABASE postgres;\nDELETE FROM t;")
    assert data["valid"] is False
    assert data["errors"] == [
        "statement 1, line 1, column 1: transaction control is not allowed in a blueprint",
        "statement 3, line 3, column 1: DROP DATABASE is not allowed in a blueprint",
    ]
    assert data["warnings"] == [
        "statement 2: CREATE TABLE without IF NOT EXISTS fails if the table exists",
        "statement 4: DELETE without WHERE touches every row",
    ]


def test_mysql_sql_is_parsed_as_mysql_and_implicit_commits_are_named(client: TestClient, tenant: Tenant) -> None:
    sql = "CREATE TABLE IF NOT EXISTS t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20));\nINSERT INTO t (name) VALUES ('a');"
    data = validate(client, tenant, sql, db_type="mysql")
    assert data["valid"] is True and data["manifest"]["tables"] == ["t"] and data["manifest"]["inserts"] == {"t": 1}
    assert data["warnings"] == [
        "statement 1: commits implicitly on MySQL: it cannot be rolled back if a later statement fails",
    ]
    broken = validate(client, tenant, "SELECT 1;\nCREATE TABLE t (id INT", db_type="mysql")
    assert broken["valid"] is False and broken["errors"][0].startswith("statement 2, line 2")


def test_placeholders_parse_and_warn_until_given(client: TestClient, tenant: Tenant) -> None:
    data = validate(client, tenant, "CREATE TABLE {{name}} (id int); INSERT INTO {{name}} VALUES ({{n}});")
    assert data["valid"] is True and data["manifest"]["tables"] == ["v_______"]
    assert data["warnings"][-2:] == [
        "variable {{name}} has no default: it must be given when applying",
        "variable {{n}} has no default: it must be given when applying",
    ]


def test_validation_needs_sql_content(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/blueprint_validations", headers=tenant.headers, json={})
    assert api_error(response, 422, "missing_required_field")["error"]["details"]["field"] == "sql_content"


def test_a_blueprint_is_created_read_listed_updated_and_deleted(client: TestClient, tenant: Tenant) -> None:
    created = create_blueprint(client, tenant, "My Notes", "CREATE TABLE IF NOT EXISTS notes (id int);",
                               description="notes", variables={"owner": {"default": "me"}})
    assert created["object"] == "blueprint" and created["slug"] == "my-notes" and created["version"] == 1
    assert (created["size_bytes"], created["is_system_blueprint"]) == (42, False)
    assert created["metadata"]["valid"] is True and created["metadata"]["manifest"]["tables"] == ["notes"]
    got = client.get(f"{API}/blueprints/{created['uuid']}", headers=tenant.headers).json()["data"]
    assert got == created and got["sql_content"].startswith("CREATE TABLE")

    listed = client.get(f"{API}/blueprints", headers=tenant.headers).json()["data"]
    assert listed[0]["uuid"] == created["uuid"] and "sql_content" not in listed[0]
    assert [b["slug"] for b in listed[1:]] == ["seed-contacts", "agent-memory"]

    updated = client.patch(f"{API}/blueprints/{created['uuid']}", headers=tenant.headers,
                           json={"sql_content": "CREATE TABLE IF NOT EXISTS notes2 (id int);", "name": "Notes Two"})
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert (data["version"], data["slug"], data["size_bytes"]) == (2, "notes-two", 43)
    assert data["metadata"]["manifest"]["tables"] == ["notes2"]
    same = client.patch(f"{API}/blueprints/{created['uuid']}", headers=tenant.headers, json={"description": "d"})
    assert same.json()["data"]["version"] == 2

    deleted = client.delete(f"{API}/blueprints/{created['uuid']}", headers=tenant.headers)
    assert deleted.json()["data"] == {"uuid": created["uuid"], "deleted": True}
    api_error(client.get(f"{API}/blueprints/{created['uuid']}", headers=tenant.headers), 404, "not_found")


def test_slugs_are_unique_within_the_tenant(client: TestClient, tenant: Tenant) -> None:
    first = create_blueprint(client, tenant, "Contacts", "SELECT 1;")
    second = create_blueprint(client, tenant, "contacts!", "SELECT 1;")
    system_clash = create_blueprint(client, tenant, "Seed Contacts", "SELECT 1;")
    assert (first["slug"], second["slug"], system_clash["slug"]) == ("contacts", "contacts-2", "seed-contacts-2")


def test_invalid_sql_is_stored_with_its_validation(client: TestClient, tenant: Tenant) -> None:
    created = create_blueprint(client, tenant, "broken", "CREATE TABL x (id int);")
    assert created["metadata"]["valid"] is False
    assert created["metadata"]["errors"] == ['statement 1, line 1, column 8: syntax error at or near "TABL"']


def test_system_blueprints_are_seen_by_everyone_and_changed_by_no_one(client: TestClient, tenant: Tenant) -> None:
    other = new_tenant(client)
    for who in (tenant, other):
        seed = client.get(f"{API}/blueprints/{SEED_CONTACTS}", headers=who.headers).json()["data"]
        assert (seed["slug"], seed["is_system_blueprint"]) == ("seed-contacts", True)
    for method in ("PATCH", "DELETE"):
        response = client.request(method, f"{API}/blueprints/{SEED_CONTACTS}", headers=tenant.headers, json={"name": "x"})
        assert api_error(response, 403, "system_blueprint")["error"]["details"]["field"] == "uuid"


def test_another_tenants_blueprint_cannot_be_changed(client: TestClient, tenant: Tenant) -> None:
    created = create_blueprint(client, tenant, "mine", "SELECT 1;")
    other = new_tenant(client)
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(method, f"{API}/blueprints/{created['uuid']}", headers=other.headers, json={})
        api_error(response, 404, "not_found")


@pytest.mark.parametrize("variables", [{"theme": "dark"}, {"": None}, {}])
def test_any_variables_object_is_accepted(client: TestClient, tenant: Tenant, variables: dict[str, Any]) -> None:
    assert create_blueprint(client, tenant, "v", "SELECT 1;", variables=variables)["variables"] == variables
