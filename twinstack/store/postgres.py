"""PostgreSQL state, so several processes or hosts serve one shared state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from twinstack.store._sql import SqlStore


class PostgresStore(SqlStore):
    P = "%s"

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn = psycopg.connect(url, autocommit=True)
        self._lock = threading.RLock()
        self._tx: Any = None
        with self._lock:
            # Two workers starting together must not race on CREATE TABLE.
            self._conn.execute("SELECT pg_advisory_lock(7417001)")
            try:
                self._init_schema()
            finally:
                self._conn.execute("SELECT pg_advisory_unlock(7417001)")

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._lock:
            cur = self._conn.execute(sql.replace("%s", "%s"), args)  # type: ignore[call-overload]
            return cur.rowcount

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, args).fetchall())  # type: ignore[call-overload]

    def _q(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            with self._conn.transaction():
                yield

    def close(self) -> None:
        with self._lock:
            self._conn.close()
