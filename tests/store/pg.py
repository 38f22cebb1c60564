"""Throwaway PostgreSQL databases for the tests that need one.

The server is ``TWINSTACK_TEST_PG`` (default: the local one with trust
auth). Each caller gets a database of its own, dropped afterwards; when the
server cannot be reached the caller's tests are skipped, saying why.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ADMIN_URL = os.environ.get("TWINSTACK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def admin_connection() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        pytest.skip(f"PostgreSQL at {ADMIN_URL} is unreachable ({reason}); set TWINSTACK_TEST_PG")


@contextmanager
def scratch_database(prefix: str = "twinstack_test") -> Iterator[str]:
    """Create ``<prefix>_<random hex>``, yield its URL, drop it (closing whatever still uses it)."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(ADMIN_URL, name)
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_backends(url: str) -> int:
    """Cut every connection to ``url``'s database from the server side, as a PostgreSQL restart would."""
    name = urlsplit(url).path.lstrip("/")
    with admin_connection() as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=%s AND pid<>pg_backend_pid()", (name,)
        ).fetchall()
    return len(rows)
