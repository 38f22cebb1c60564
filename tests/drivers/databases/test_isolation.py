"""Isolation: a provisioned login opens its own database and nothing else, and holds no server-wide power."""

from __future__ import annotations

import dataclasses

import pytest

from tests.drivers.databases.conftest import ONLY_MYSQL, ONLY_POSTGRES, MakeDb
from tests.drivers.databases.servers import Client, LoginError, ServerError, admin_execute, login_error


def test_a_second_login_cannot_open_the_first_database(engine: str, make_db: MakeDb) -> None:
    first, second = make_db("first"), make_db("second")
    intruder = dataclasses.replace(second.connection, database=first.database)
    refusal = login_error(intruder)
    assert refusal is not None
    if engine == "postgres":
        assert f'permission denied for database "{first.database}"' in refusal
    else:
        assert f"Access denied for user '{second.username}'" in refusal and first.database in refusal


def test_the_login_can_create_and_use_tables_in_its_own_database(make_db: MakeDb) -> None:
    db = make_db("owner")
    client = Client(db.connection)
    try:
        client.execute("CREATE TABLE notes (id int primary key, body text)")
        prefix_length = "(20)" if client.engine == "mysql" else ""  # MySQL indexes a TEXT column by a prefix
        client.execute(f"CREATE INDEX notes_body ON notes (body{prefix_length})")
        client.execute("INSERT INTO notes VALUES (1, 'hello')")
        assert client.execute("SELECT body FROM notes") == [("hello",)]
    finally:
        client.close()


def test_the_login_cannot_create_databases_or_logins(engine: str, make_db: MakeDb) -> None:
    db = make_db("tenant")
    client = Client(db.connection)
    try:
        create_login = "CREATE USER stolen" if engine == "mysql" else "CREATE ROLE stolen"
        for statement in ("CREATE DATABASE stolen", create_login):
            with pytest.raises(ServerError) as caught:
                client.execute(statement)
            message = str(caught.value)
            assert "permission denied" in message or "Access denied" in message, message
    finally:
        client.close()


@ONLY_POSTGRES
def test_the_postgres_role_holds_no_server_wide_attributes(engine: str, make_db: MakeDb) -> None:
    db = make_db("attrs")
    row = admin_execute(
        engine,
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = %s",
        (db.username,),
    )
    assert row == [(False, False, False, False, False)]
    owner = admin_execute(
        engine,
        "SELECT pg_get_userbyid(datdba), has_database_privilege('public', datname, 'CONNECT') FROM pg_database"
        " WHERE datname = %s",
        (db.database,),
    )
    assert owner == [(db.username, False)]


@ONLY_MYSQL
def test_the_mysql_grant_names_exactly_one_database(engine: str, make_db: MakeDb) -> None:
    # '_' in a GRANT is a wildcard: a look-alike name must not be covered by the grant.
    db = make_db("look_alike")
    look_alike = db.database.replace("look_alike", "lookXalike")
    admin_execute(engine, f"CREATE DATABASE `{look_alike}`")
    refusal = login_error(dataclasses.replace(db.connection, database=look_alike))
    assert refusal is not None and "Access denied" in refusal
    grants = admin_execute(engine, f"SHOW GRANTS FOR '{db.username}'@'%'")
    assert any(f"`{db.database.replace('_', chr(92) + '_')}`.*" in g[0] for g in grants), grants


def test_a_wrong_password_is_refused(make_checked_db: MakeDb) -> None:
    db = make_checked_db("guarded")
    with pytest.raises(LoginError):
        Client(dataclasses.replace(db.connection, password=db.password[::-1]))
