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

_TRIGGERS = (
    "CREATE TABLE IF NOT EXISTS seq_floor (name TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
    """CREATE TRIGGER IF NOT EXISTS resources_counted AFTER INSERT ON resources BEGIN
        INSERT INTO resource_counts (service, tenant, collection, n) VALUES (NEW.service, NEW.tenant, NEW.collection, 1)
        ON CONFLICT (service, tenant, collection) DO UPDATE SET n=n+1;
    END""",
    """CREATE TRIGGER IF NOT EXISTS resources_uncounted AFTER DELETE ON resources BEGIN
        UPDATE resource_counts SET n=n-1
        WHERE service=OLD.service AND tenant=OLD.tenant AND collection=OLD.collection;
        INSERT INTO seq_floor (name, seq) VALUES ('resources', OLD.seq)
        ON CONFLICT (name) DO UPDATE SET seq=MAX(seq, excluded.seq);
    END""",
)
"""Counting resources as they come and go, and the highest ``seq`` a deleted one held (see ``_seq``)."""


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
        # reading the maximum and inserting above it cannot race. The floor keeps
        # a deleted newest row's number from being handed out again, as
        # PostgreSQL's sequence never does: a cursor at it must not skip its successor.
        return (
            f"(SELECT MAX(COALESCE(MAX(seq), 0), COALESCE((SELECT seq FROM seq_floor WHERE name='{table}'), 0)) + 1"
            f" FROM {table})"
        )

    def _create_triggers(self) -> None:
        for stmt in _TRIGGERS:
            self._exec(stmt)

    def _next_seqs(self, table: str, n: int) -> list[int]:
        # Inside the caller's write transaction no other writer can take these numbers.
        highest = int(self._fetch(f"SELECT COALESCE(MAX(seq), 0) FROM {table}")[0][0])
        return list(range(highest + 1, highest + 1 + n))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._depth:
                # A nested block is a savepoint, as in PostgreSQL: if it raises, its writes alone are undone.
                name = f"nested_{self._depth}"
                self._conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield
                except BaseException:
                    self._conn.execute(f"ROLLBACK TO {name}")
                    self._conn.execute(f"RELEASE {name}")
                    raise
                else:
                    self._conn.execute(f"RELEASE {name}")
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
