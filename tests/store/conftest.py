"""Fixtures of the store contract suite: every test runs once per implementation.

``stores`` opens any number of stores on one state (the same SQLite file, or
the same PostgreSQL schema), as several server processes would; ``store`` is
the first of them. PostgreSQL tests use schemas of one database made for
the session, emptied before each test.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from tests.store.pg import scratch_database
from twinstack.store import Store, open_store
from twinstack.store._schema import BOOKKEEPING, DERIVED, TABLES

IMPLEMENTATIONS = ["sqlite", "postgres"]
BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
"""``IMPLEMENTATIONS`` as parameters, the PostgreSQL one marked ``postgres``."""


@dataclass
class Stores:
    """Opens stores on one state; closes them all at the end of the test."""

    kind: str
    url: str | None
    data_dir: Path
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        store = open_store(self.url, self.data_dir)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            try:
                store.close()
            except Exception:
                # A store whose connection the test cut may fail to close; the state goes anyway.
                pass


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with scratch_database("twinstack_store") as url:
        yield url


@pytest.fixture(scope="session")
def pg_prepared_schemas() -> set[str]:
    """Schemas of ``pg_database`` whose tables exist already."""
    return set()


def _schema_url(database: str, schema: str) -> str:
    # The suite checks what the store does, not PostgreSQL's own crash safety:
    # without waiting for each commit's fsync it runs ten times faster.
    return f"{database}?options={quote(f'-csearch_path={schema} -csynchronous_commit=off')}"


def fresh_stores(kind: str, tmp_path: Path, request: pytest.FixtureRequest, slot: str = "main") -> Stores:
    """An empty state of ``kind``; ``slot`` names independent PostgreSQL states within one test.

    PostgreSQL states are schemas created once per session and emptied for
    each test: creating a schema's tables costs far more than deleting rows.
    """
    if kind == "sqlite":
        return Stores(kind, None, tmp_path / f"sqlite-{slot}")
    database: str = request.getfixturevalue("pg_database")
    prepared: set[str] = request.getfixturevalue("pg_prepared_schemas")
    schema = f"contract_{slot}"
    url = _schema_url(database, schema)
    if schema not in prepared:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        open_store(url, tmp_path).close()
        prepared.add(schema)
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for table in (*TABLES, *DERIVED, *BOOKKEEPING):
            conn.execute(f"DELETE FROM {table}")
    return Stores(kind, url, tmp_path)


def scratch_schema(request: pytest.FixtureRequest) -> str:
    """URL of a new, empty PostgreSQL schema (for tests of schema creation itself)."""
    database: str = request.getfixturevalue("pg_database")
    schema = f"s_{secrets.token_hex(6)}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return _schema_url(database, schema)


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    opened = fresh_stores(request.param, tmp_path, request)
    yield opened
    opened.close()


@pytest.fixture
def store(stores: Stores) -> Store:
    return stores.open()
