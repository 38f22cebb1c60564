"""``run_in_transaction``: per-statement results, rollback at the first error, MySQL's implicit commits reported."""

from __future__ import annotations

import dataclasses

import pytest

from tests.drivers.databases.conftest import ONLY_MYSQL, ONLY_POSTGRES, MakeDb
from tests.drivers.databases.servers import Client
from twinstack.drivers.databases import ConnectionInfo, LoginRefused, Provisioner


def _count(connection: ConnectionInfo, table: str) -> int:
    client = Client(connection)
    try:
        return int(client.execute(f"SELECT count(*) FROM {table}")[0][0])
    finally:
        client.close()


def test_every_statement_reports_rows_and_duration_and_the_run_commits(
    provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("run")
    run = provisioner.run_in_transaction(
        db.connection,
        [
            "CREATE TABLE items (id int primary key, name varchar(40) not null)",
            "INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            "UPDATE items SET name = 'z' WHERE id > 1",
            "SELECT id, name FROM items ORDER BY id",
        ],
        2000,
        max_rows=2,
    )
    assert run.committed and run.failed is None and run.commit_error is None
    assert [s.status for s in run.statements] == ["succeeded"] * 4
    assert all(s.committed for s in run.statements)
    assert [s.rows_affected for s in run.statements[1:]] == [3, 2, 3]
    assert run.statements[3].columns == ["id", "name"]
    assert run.statements[3].rows == [(1, "a"), (2, "z")]  # cut at max_rows
    assert all(s.duration_ms >= 0 for s in run.statements) and run.total_duration_ms > 0
    assert _count(db.connection, "items") == 3


def test_the_first_error_stops_the_run_with_the_server_message_and_rolls_back(
    engine: str, provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("rollback")
    setup = provisioner.run_in_transaction(db.connection, ["CREATE TABLE kept (id int)"], 2000)
    assert setup.committed
    run = provisioner.run_in_transaction(
        db.connection,
        ["INSERT INTO kept VALUES (1)", "INSERT INTO missing VALUES (1)", "INSERT INTO kept VALUES (2)"],
        2000,
    )
    assert not run.committed
    assert [s.status for s in run.statements] == ["succeeded", "failed", "not_run"]
    failed = run.failed
    assert failed is not None and failed.index == 1
    if engine == "postgres":
        assert failed.error == 'relation "missing" does not exist' and failed.error_code == "42P01"
    else:
        assert failed.error is not None and "missing' doesn't exist" in failed.error and failed.error_code == "1146"
    assert not any(s.committed for s in run.statements)
    assert _count(db.connection, "kept") == 0


def test_ddl_is_rolled_back_on_postgres_and_reported_committed_on_mysql(
    engine: str, provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("ddl")
    run = provisioner.run_in_transaction(
        db.connection,
        [
            "CREATE TABLE first (id int)",
            "INSERT INTO first VALUES (1)",
            "CREATE TABLE first (id int)",  # fails: already exists
        ],
        2000,
    )
    assert [s.status for s in run.statements] == ["succeeded", "succeeded", "failed"]
    if engine == "postgres":
        assert [s.committed for s in run.statements] == [False, False, False]
        assert provisioner.list_tables(db.database) == []
    else:
        # MySQL commits before any DDL, even one that then fails: the INSERT is permanent too.
        assert [s.committed for s in run.statements] == [True, True, False]
        assert provisioner.list_tables(db.database) == ["first"]
        assert _count(db.connection, "first") == 1


@ONLY_POSTGRES
def test_a_deferred_constraint_failing_at_commit_is_reported_for_the_run(
    provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("deferred")
    run = provisioner.run_in_transaction(
        db.connection,
        [
            "CREATE TABLE parent (id int primary key)",
            "CREATE TABLE child (parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)",
            "INSERT INTO child VALUES (7)",
            "SELECT '100%' AS literal",
        ],
        2000,
    )
    assert [s.status for s in run.statements] == ["succeeded"] * 4
    assert run.statements[3].rows == [("100%",)]
    assert not run.committed and not any(s.committed for s in run.statements)
    assert run.commit_error is not None and "foreign key constraint" in run.commit_error
    assert provisioner.list_tables(db.database) == []


@ONLY_MYSQL
def test_mysql_reports_dml_after_the_last_ddl_as_rolled_back(
    engine: str, provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("partial")
    run = provisioner.run_in_transaction(
        db.connection,
        ["CREATE TABLE t (id int primary key)", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)"],
        2000,
    )
    assert [s.status for s in run.statements] == ["succeeded", "succeeded", "failed"]
    assert run.statements[2].error_code == "1062"
    assert [s.committed for s in run.statements] == [True, False, False]
    assert _count(db.connection, "t") == 0


def test_a_statement_past_the_timeout_is_cancelled_by_the_server(
    engine: str, provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("slow")
    sleep = "SELECT pg_sleep(5)" if engine == "postgres" else "SELECT SLEEP(5)"
    run = provisioner.run_in_transaction(db.connection, [sleep, "SELECT 1"], 200)
    failed = run.failed
    assert failed is not None and failed.index == 0
    assert [s.status for s in run.statements] == ["failed", "not_run"]
    if engine == "postgres":
        assert failed.error_code == "57014" and "statement timeout" in (failed.error or "")
    else:
        assert failed.error_code in ("1969", "3024") and "interrupted" in (failed.error or "").lower()


def test_a_refused_login_raises_with_the_server_message(
    checked_provisioner: Provisioner, make_checked_db: MakeDb
) -> None:
    db = make_checked_db("refused")
    with pytest.raises(LoginRefused) as caught:
        wrong = dataclasses.replace(db.connection, password="wrong-password")
        checked_provisioner.run_in_transaction(wrong, ["SELECT 1"], 1000)
    assert "password authentication failed" in caught.value.message or "Access denied" in caught.value.message


def test_the_run_uses_the_tenant_login_not_the_admin(engine: str, provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("whoami")
    run = provisioner.run_in_transaction(
        db.connection, ["SELECT current_user" if engine == "postgres" else "SELECT CURRENT_USER()"], 1000
    )
    rows = run.statements[0].rows
    assert rows is not None and str(rows[0][0]).split("@")[0] == db.username
