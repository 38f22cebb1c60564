"""``available()``: true against a privileged admin, false with a reason a client can act on otherwise."""

from __future__ import annotations

import dataclasses
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from tests.drivers.databases.conftest import ONLY_POSTGRES
from tests.drivers.databases.servers import ADMIN_URLS, SESSION_PREFIX, Client, admin_execute, login_error
from twinstack.drivers.databases import EngineUnavailable, Provisioner, open_provisioner


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_local_server_is_available(provisioner: Provisioner) -> None:
    assert provisioner.available() == (True, "")


def test_an_unreachable_server_is_unavailable_with_the_reason(engine: str) -> None:
    scheme = "postgresql" if engine == "postgres" else "mysql"
    url = f"{scheme}://nobody@127.0.0.1:{_closed_port()}/"
    provisioner = open_provisioner(url, connect_timeout_s=2)
    ok, reason = provisioner.available()
    assert not ok
    assert "refused the admin connection" in reason and "127.0.0.1" in reason
    with pytest.raises(EngineUnavailable):
        provisioner.create("never", unique_id=str(uuid.uuid4()))


def test_an_unprivileged_admin_is_unavailable_with_what_it_lacks(engine: str) -> None:
    name, password = f"{SESSION_PREFIX}plain", "Plain-password-123456"
    port = urlsplit(ADMIN_URLS[engine]).port
    if engine == "postgres":
        admin_execute(engine, f'CREATE ROLE "{name}" LOGIN PASSWORD \'{password}\'')
        url = f"postgresql://{name}:{password}@127.0.0.1:{port}/postgres"
    else:
        admin_execute(engine, "CREATE USER %s@'%%' IDENTIFIED BY %s", (name, password))
        url = f"mysql://{name}:{password}@127.0.0.1:{port}/"
    ok, reason = open_provisioner(url).available()
    assert not ok
    assert ("CREATEROLE and CREATEDB" in reason) if engine == "postgres" else ("CREATE USER" in reason)


@ONLY_POSTGRES
def test_a_createrole_createdb_postgres_admin_provisions_isolated_databases(engine: str) -> None:
    name, password = f"{SESSION_PREFIX}operator", "Operator-password-123456"
    admin_execute(engine, f'CREATE ROLE "{name}" LOGIN CREATEROLE CREATEDB PASSWORD \'{password}\'')
    port = urlsplit(ADMIN_URLS[engine]).port
    operator = open_provisioner(f"postgresql://{name}:{password}@127.0.0.1:{port}/postgres", name_prefix=SESSION_PREFIX)
    assert operator.available() == (True, "")
    first = operator.create("op-first", unique_id=str(uuid.uuid4()), connection_limit=3)
    second = operator.create("op-second", unique_id=str(uuid.uuid4()))
    session = Client(first.connection)
    try:
        session.execute("CREATE TABLE t (id int)")
        assert operator.list_tables(first.database) == ["t"]
        refusal = login_error(dataclasses.replace(second.connection, database=first.database))
        assert refusal is not None and "permission denied" in refusal
    finally:
        session.close()
    for db in (first, second):
        operator.drop(db.database, db.username)
        assert not operator.exists(db.database)

