"""Dumps and restores by the servers' own tools: the data comes back, what came after is gone, and the
tenant's login owns and can use everything restored."""

from __future__ import annotations

from pathlib import Path

from tests.drivers.databases.conftest import MakeDb
from tests.drivers.databases.servers import Client
from twinstack.drivers.databases import ConnectionInfo, Provisioner


def test_a_restore_brings_back_the_dumped_rows_and_removes_later_tables(
    provisioner: Provisioner, make_db: MakeDb, tmp_path: Path
) -> None:
    db = make_db("dumped")
    client = Client(ConnectionInfo.from_uri(db.connection_string))
    try:
        client.execute("CREATE TABLE orders (id int PRIMARY KEY, item varchar(40))")
        client.execute("INSERT INTO orders VALUES (1, 'apple'), (2, 'pear')")
    finally:
        client.close()
    size = provisioner.dump(db.database, str(tmp_path / "snap.dump"))
    assert size == (tmp_path / "snap.dump").stat().st_size > 0

    client = Client(ConnectionInfo.from_uri(db.connection_string))
    try:
        client.execute("DROP TABLE orders")
        client.execute("CREATE TABLE later (id int)")
    finally:
        client.close()
    provisioner.restore(db.database, db.username, str(tmp_path / "snap.dump"))

    client = Client(ConnectionInfo.from_uri(db.connection_string))
    try:
        assert client.execute("SELECT id, item FROM orders ORDER BY id") == [(1, "apple"), (2, "pear")]
        client.execute("INSERT INTO orders VALUES (3, 'plum')")
        assert client.execute("SELECT count(*) FROM orders") == [(3,)]
    finally:
        client.close()
    assert provisioner.list_tables(db.database) == ["orders"]


def test_sessions_are_counted_and_the_version_is_the_servers(provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("counted")
    assert provisioner.session_count(db.database) == 0
    client = Client(ConnectionInfo.from_uri(db.connection_string))
    try:
        client.execute("SELECT 1")
        assert provisioner.session_count(db.database) == 1
    finally:
        client.close()
    version = provisioner.server_version()
    assert version.split(".")[0].isdigit() and db.server_version.startswith(version.split(".")[0])
