"""The PostgreSQL store survives its connection being dropped by the server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.store.conftest import fresh_stores
from tests.store.pg import terminate_backends
from twinstack.store import Store

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    stores = fresh_stores("postgres", tmp_path, request)
    request.addfinalizer(stores.close)
    return stores.open()


def _database(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_database"))


def test_reads_and_writes_continue_after_the_server_drops_the_connection(
    pg_store: Store, request: pytest.FixtureRequest
) -> None:
    pg_store.insert("notes", "t1", "notes", "before", {"v": 1}, 1.0)
    assert terminate_backends(_database(request)) >= 1
    assert pg_store.get("notes", "t1", "notes", "before") == {"v": 1}
    assert terminate_backends(_database(request)) >= 1
    assert pg_store.insert("notes", "t1", "notes", "after", {"v": 2}, 2.0) is True
    assert [d["v"] for d in pg_store.list("notes", "t1", "notes")] == [1, 2]


def test_a_transaction_cut_off_fails_whole_and_the_next_call_reconnects(
    pg_store: Store, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(psycopg.OperationalError):
        with pg_store.transaction():
            pg_store.insert("notes", "t1", "notes", "lost", {}, 1.0)
            terminate_backends(_database(request))
            pg_store.insert("notes", "t1", "notes", "lost-too", {}, 1.0)
    assert pg_store.list("notes", "t1", "notes") == []
    with pg_store.transaction():
        pg_store.insert("notes", "t1", "notes", "kept", {}, 1.0)
    assert pg_store.count("notes", "t1", "notes") == 1


def test_indexed_writes_and_guarded_counters_reconnect_too(pg_store: Store, request: pytest.FixtureRequest) -> None:
    pg_store.declare_indexes("notes", {"notes": ("colour",)})
    pg_store.insert("notes", "t1", "notes", "a", {"colour": "red"}, 1.0)
    assert terminate_backends(_database(request)) >= 1
    pg_store.put("notes", "t1", "notes", "b", {"colour": "red"}, 2.0)
    assert terminate_backends(_database(request)) >= 1
    assert pg_store.adjust("quota", "k", {"used": 1}, within={"used": (0, 1)}) == {"used": 1}
    assert terminate_backends(_database(request)) >= 1
    assert pg_store.adjust("quota", "k", {"used": 1, "other": 1}, within={"used": (0, 1)}) is None
    assert [d["colour"] for d in pg_store.find("notes", "t1", "notes", where={"colour": "red"}).items] == ["red", "red"]
    assert pg_store.counters("quota", "k") == {"used": 1}
