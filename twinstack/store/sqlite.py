"""The embedded default: one SQLite file in WAL mode under ``--data-dir``.

``synchronous=NORMAL`` in WAL mode loses nothing when the process is killed
(the WAL is in the OS page cache once a commit returns); only a power cut
could lose the last commits, which is outside what a twin promises.

Several processes may open the same file (``--workers``): SQLite lets one
write at a time and the others wait for up to ``busy_timeout``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from twinstack.store.base import Credential
from twinstack.store._sql import SqlStore

_BUSY_TIMEOUT_MS = 30_000


class SqliteStore(SqlStore):
    P = "?"
    BAD_DATA = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.DataError)

    def __init__(self, path: Path) -> None:
        self._cred_cache: dict[str, tuple[float, Credential | None]] = {}
        self._indexes: dict[tuple[str, str], tuple[str, ...]] = {}
        self.path = path
        self._conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
        )
        self._conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        self._depth = 0
        with self.transaction():
            self._create_schema()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, args).rowcount

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _seq(self, table: str) -> str:
        # A writing statement holds SQLite's only write lock from its start, so
        # reading the maximum and inserting above it cannot race.
        return f"(SELECT COALESCE(MAX(seq), 0) + 1 FROM {table})"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            # IMMEDIATE takes the write lock up front: a transaction that reads
            # and then writes must not find its snapshot stale at the write.
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()
