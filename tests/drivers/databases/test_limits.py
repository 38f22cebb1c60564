"""Limits the server itself enforces: connections, password rotation, read-only, sessions, measured size."""

from __future__ import annotations

import dataclasses

import pytest

from tests.drivers.databases.conftest import MakeDb
from tests.drivers.databases.servers import Client, ServerError, login_error
from twinstack.drivers.databases import DatabaseDriverError, Provisioner


def _too_many(engine: str, refusal: str) -> bool:
    return ("too many connections" in refusal) if engine == "postgres" else ("max_user_connections" in refusal)


def test_the_connection_past_the_limit_is_refused_by_the_server(engine: str, make_db: MakeDb) -> None:
    db = make_db("limited", connection_limit=2)
    open_sessions = [Client(db.connection), Client(db.connection)]
    try:
        refusal = login_error(db.connection)
        assert refusal is not None and _too_many(engine, refusal), refusal
    finally:
        for session in open_sessions:
            session.close()


def test_a_changed_limit_counts_sessions_already_open(engine: str, provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("tightened")
    open_sessions = [Client(db.connection) for _ in range(3)]
    try:
        assert login_error(db.connection) is None
        provisioner.set_connection_limit(db.database, db.username, 3)
        refusal = login_error(db.connection)
        assert refusal is not None and _too_many(engine, refusal), refusal
        provisioner.set_connection_limit(db.database, db.username, 4)
        assert login_error(db.connection) is None
        provisioner.set_connection_limit(db.database, db.username, 3)
        provisioner.set_connection_limit(db.database, db.username, None)
        assert login_error(db.connection) is None
    finally:
        for session in open_sessions:
            session.close()


def test_a_negative_limit_is_rejected(provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("negative")
    with pytest.raises(ValueError, match="at least 0"):
        provisioner.set_connection_limit(db.database, db.username, -1)
    with pytest.raises(ValueError, match="at least 1"):
        make_db("zero", connection_limit=0)


def test_a_limit_of_zero_refuses_every_login_until_it_is_raised(provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("locked")
    provisioner.set_connection_limit(db.database, db.username, 0)
    assert login_error(db.connection) is not None
    provisioner.set_connection_limit(db.database, db.username, 1)
    assert login_error(db.connection) is None


def test_rotating_the_password_refuses_the_old_one_at_once(
    engine: str, checked_provisioner: Provisioner, make_checked_db: MakeDb
) -> None:
    db = make_checked_db("rotated")
    before = Client(db.connection)
    try:
        new_password = checked_provisioner.rotate_password(db.username)
        assert new_password != db.password and len(new_password) >= 32
        refusal = login_error(db.connection)
        assert refusal is not None
        assert ("password authentication failed" in refusal) if engine == "postgres" else ("Access denied" in refusal)
        assert login_error(dataclasses.replace(db.connection, password=new_password)) is None
        # Sessions opened before keep working, as on managed database services.
        assert before.execute("SELECT 1") == [(1,)]
    finally:
        before.close()


def test_a_chosen_password_is_set_as_given(checked_provisioner: Provisioner, make_checked_db: MakeDb) -> None:
    db = make_checked_db("chosen")
    chosen = "Chosen-password-0123456789abcdef"
    assert checked_provisioner.rotate_password(db.username, chosen) == chosen
    assert login_error(dataclasses.replace(db.connection, password=chosen)) is None
    assert login_error(db.connection) is not None


def test_read_only_makes_writes_fail_until_turned_off(engine: str, provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("quota")
    setup = Client(db.connection)
    setup.execute("CREATE TABLE t (id int)")
    setup.execute("INSERT INTO t VALUES (1)")

    provisioner.set_read_only(db.database, db.username, True)
    with pytest.raises(ServerError):
        setup.execute("SELECT 1")  # its session was ended, so it cannot keep writing
    setup.close()
    reader = Client(db.connection)
    try:
        assert reader.execute("SELECT id FROM t") == [(1,)]
        with pytest.raises(ServerError) as caught:
            reader.execute("INSERT INTO t VALUES (2)")
        expected = "read-only transaction" if engine == "postgres" else "INSERT command denied"
        assert expected in str(caught.value)
    finally:
        reader.close()

    provisioner.set_read_only(db.database, db.username, False)
    writer = Client(db.connection)
    try:
        writer.execute("INSERT INTO t VALUES (2)")
        assert sorted(writer.execute("SELECT id FROM t")) == [(1,), (2,)]
    finally:
        writer.close()


def test_terminate_sessions_ends_every_open_session(provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("sessions")
    sessions = [Client(db.connection) for _ in range(2)]
    try:
        assert provisioner.terminate_sessions(db.database) == 2
        for session in sessions:
            with pytest.raises(ServerError):
                session.execute("SELECT 1")
        assert provisioner.terminate_sessions(db.database, db.username) == 0
        assert login_error(db.connection) is None
    finally:
        for session in sessions:
            session.close()


def test_size_is_measured_by_the_server_and_grows_with_data(provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("sized")
    empty = provisioner.size_bytes(db.database)
    client = Client(db.connection)
    try:
        client.execute("CREATE TABLE blobs (id int primary key, body text)")
        client.executemany("INSERT INTO blobs VALUES (%s, %s)", [(i, "x" * 1000 + str(i)) for i in range(4000)])
    finally:
        client.close()
    grown = provisioner.size_bytes(db.database)
    assert grown - empty >= 2_000_000, (empty, grown)


def test_size_of_a_missing_database_is_an_error(provisioner: Provisioner) -> None:
    with pytest.raises(DatabaseDriverError, match="does not exist"):
        provisioner.size_bytes("twt_no_such_database")

