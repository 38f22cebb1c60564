"""Create and drop: the handed-out connection string works, names are unique and quoted, drop leaves nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.drivers.databases.conftest import MakeDb
from tests.drivers.databases.servers import ADMIN_URLS, SESSION_PREFIX, Client, admin_execute, login_error
from twinstack.drivers.databases import ConnectionInfo, NameTaken, Provisioner, open_provisioner


def test_the_connection_string_logs_in_to_the_new_database(engine: str, make_db: MakeDb) -> None:
    db = make_db("orders")
    client = Client(ConnectionInfo.from_uri(db.connection_string))
    try:
        current = "SELECT current_database(), current_user" if engine == "postgres" else "SELECT DATABASE(), USER()"
        database, user = client.execute(current)[0]
        client.execute("CREATE TABLE t (id int)")
        client.execute("INSERT INTO t VALUES (1)")
        assert client.execute("SELECT id FROM t") == [(1,)]
    finally:
        client.close()
    assert database == db.database
    assert str(user).split("@")[0] == db.username
    assert db.connection_string.startswith("postgresql://" if engine == "postgres" else "mysql://")
    assert (db.host, db.port) == ("127.0.0.1", 5432 if engine == "postgres" else 3306)
    assert db.server_version.split(".")[0].isdigit()


def test_names_come_from_the_hint_and_the_unique_id_with_hyphens_quoted(make_db: MakeDb) -> None:
    unique_id = str(uuid.uuid4())
    db = make_db("My App-DB!", unique_id=unique_id)
    assert db.database == f"{SESSION_PREFIX}my-app-db"
    assert db.username == f"{SESSION_PREFIX}u{unique_id.replace('-', '')[:12]}"
    assert len(db.password) >= 32 and db.password not in db.database


def test_a_taken_name_gets_a_suffix_from_the_unique_id(make_db: MakeDb) -> None:
    first = make_db("shared-name")
    unique_id = str(uuid.uuid4())
    second = make_db("shared-name", unique_id=unique_id)
    assert first.database == f"{SESSION_PREFIX}shared-name"
    assert second.database == f"{SESSION_PREFIX}shared-name-{unique_id[:8]}"
    assert login_error(second.connection) is None


def test_the_same_unique_id_twice_is_refused_and_leaves_nothing(provisioner: Provisioner, make_db: MakeDb) -> None:
    unique_id = str(uuid.uuid4())
    make_db("once", unique_id=unique_id)
    with pytest.raises(NameTaken) as caught:
        provisioner.create("twice", unique_id=unique_id)
    assert "already exists" in caught.value.message
    assert not provisioner.exists(f"{SESSION_PREFIX}twice")


def test_passwords_are_random_per_database(make_db: MakeDb) -> None:
    assert make_db("a").password != make_db("b").password


def test_drop_refuses_the_login_and_removes_the_database(engine: str, provisioner: Provisioner) -> None:
    db = provisioner.create("doomed", unique_id=str(uuid.uuid4()))
    session = Client(db.connection)
    try:
        provisioner.drop(db.database, db.username)
    finally:
        session.close()
    assert not provisioner.exists(db.database)
    refusal = login_error(db.connection)
    assert refusal is not None
    if engine == "postgres":
        # A server that trusts loopback logins names the missing role instead of failing the password.
        assert "password authentication failed" in refusal or f'role "{db.username}" does not exist' in refusal

        assert admin_execute(engine, "SELECT 1 FROM pg_roles WHERE rolname = %s", (db.username,)) == []
    else:
        assert "Access denied" in refusal
        assert admin_execute(engine, "SELECT 1 FROM mysql.user WHERE User = %s", (db.username,)) == []


def test_drop_of_what_is_already_gone_is_a_no_op(provisioner: Provisioner) -> None:
    db = provisioner.create("twice-dropped", unique_id=str(uuid.uuid4()))
    provisioner.drop(db.database, db.username)
    provisioner.drop(db.database, db.username)
    assert not provisioner.exists(db.database)


def test_public_host_and_port_are_what_clients_are_told(engine: str) -> None:
    outward = open_provisioner(
        ADMIN_URLS[engine], name_prefix=SESSION_PREFIX, public_host="db.example.test", public_port=6000
    )
    db = outward.create("outward", unique_id=str(uuid.uuid4()))
    try:
        assert (db.host, db.port) == ("db.example.test", 6000)
        assert "@db.example.test:6000/" in db.connection_string
        # The twin itself still reaches the server through the admin URL.
        assert outward.run_in_transaction(db.connection, ["SELECT 1"], 1000).committed
    finally:
        outward.drop(db.database, db.username)
