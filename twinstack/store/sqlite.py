"""The embedded default: one SQLite file in WAL mode under ``--data-dir``.

``synchronous=NORMAL`` in WAL mode loses nothing when the process is killed
(the WAL is in the OS page cache once a commit returns); only a power cut
could lose the last commits, which is outside what a twin promises.

Several processes may open the same file (``--workers``): SQLite lets one
write at a time and the others wait for up to ``busy_timeout``.

Group commit. Once ``group_commits(loop)`` is called (the server does it at
start), the first write opens one transaction that every request handled in
the same turn of the event loop writes into; the next turn commits it, and a
request is answered only after that commit (``committed()``), so nothing
acknowledged can be lost and nothing shown was not durable. A turn's requests
share one commit and write each page once. A ``transaction()`` inside the
group is a savepoint: a block that raises undoes its own writes only.

Checkpoints (copying the WAL back into the database file) run in a thread of
their own with its own connection, never inside a request's commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from twinstack.store.base import Credential
from twinstack.store._sql import SqlStore

_BUSY_TIMEOUT_MS = 30_000
_WAL_RETRY_SECONDS = 0.005
"""How long a store opening a fresh file waits before asking for WAL mode again (``_enter_wal``)."""
_CHECKPOINT_SECONDS = 0.5
"""How often the checkpointer copies committed WAL pages back (PASSIVE: it never blocks a writer)."""
_RESTART_FRAMES = 2048
"""WAL frames (pages: 8 MiB at 4 KiB) beyond which the WAL is brought to start over (see ``_Checkpointer``)."""
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP", "ALTER")
"""How the statements that write start (anything else only reads)."""

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
        _enter_wal(self._conn)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        # A statement with RETURNING (every guarded counter, every indexed write) buffers its rows in a
        # temporary table: on disk, that is a file created and dropped per statement, which made such a
        # write cost two to three times what it does in memory.
        self._conn.execute("PRAGMA temp_store=MEMORY")
        self._lock = threading.RLock()
        self._depth = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._group_open = False
        """A group transaction is open (``BEGIN IMMEDIATE`` taken, ``COMMIT`` due at the loop's next turn)."""
        self._waiting: list[asyncio.Future[None]] = []
        """Answers held until the open group commits (loop thread only)."""
        self._writes = 0
        """Writing statements run on this connection (``generation``), the journal's aside."""
        with self.transaction():
            self._create_schema()
        self._checkpointer = _Checkpointer(path)
        self._checkpointer.start()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._lock:
            if sql.lstrip()[:6].upper().startswith(_WRITES):
                self._writing()
            return self._conn.execute(sql, args).rowcount

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if sql.lstrip()[:6].upper().startswith(_WRITES):
                self._writing()
            return self._conn.execute(sql, args).fetchall()

    def _writing(self) -> None:
        """A statement that writes is about to run (lock held): note it, and open the turn's group if none is."""
        if not self._journaling:
            self._writes += 1
        if not self._depth and self._loop is not None:
            self._open_group()

    def generation(self) -> tuple[int, int] | None:
        # This connection's own writes are counted as they are made; ``data_version`` changes when
        # another connection (another worker, a command on the same file) commits.
        with self._lock:
            return self._writes, self._conn.execute("PRAGMA data_version").fetchone()[0]

    # group commit ------------------------------------------------------------------
    def group_commits(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._loop = loop

    def committed(self) -> Awaitable[None] | None:
        if not self._group_open:
            return None
        assert self._loop is not None
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiting.append(waiter)
        return waiter

    def _open_group(self) -> None:
        """Start the turn's transaction (lock held, depth 0) and have the loop's next turn commit it."""
        assert self._loop is not None
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self._group_open = True
        try:
            self._loop.call_soon_threadsafe(self._commit_group)
        except RuntimeError:
            # The loop has stopped: nobody would commit later, so commit now.
            self._commit_group()

    def _commit_group(self) -> None:
        with self._lock:
            if not self._group_open:
                return
            waiting, self._waiting = self._waiting, []
            failure: BaseException | None = None
            try:
                self._conn.execute("COMMIT")
                if self._checkpointer.catch_up:
                    self._checkpointer.catch_up = False
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                failure = exc
                # What was read of the undone writes must not be taken for the state any more.
                self._writes += 1
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            finally:
                self._depth = 0
                self._group_open = False
        for waiter in waiting:
            if waiter.done():
                continue
            if failure is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(failure)

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
            if self._loop is not None:
                # Within a group the block is a savepoint of the turn's transaction.
                self._open_group()
                with self.transaction():
                    yield
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
        self._checkpointer.stop()
        with self._lock:
            self._commit_group()
            self._loop = None
            self._conn.close()


def _enter_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so), waiting out other processes doing the same.

    Turning a fresh file to WAL takes its exclusive lock, and SQLite answers "database is locked" at
    once, without its busy handler, to a connection that asks while another holds the lock on the way
    to the same change (workers starting together): so wait here, as long as a busy write would.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


class _Checkpointer(threading.Thread):
    """Copies committed WAL pages back into the database file every half second, off the request path.

    SQLite starts the WAL over only when a write begins with every frame copied back; under steady writes
    some frame is always newer than the last pass, so the file would grow without end (hundreds of MB a
    minute), each commit appending to it. Once the WAL is long, ``catch_up`` asks the writer to copy, just
    after its next commit, the few frames written since this thread's pass: its next write then starts the
    WAL over.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(name=f"sqlite-checkpoint:{path.name}", daemon=True)
        self._path = path
        self._stopping = threading.Event()
        self.catch_up = False

    def run(self) -> None:
        conn = sqlite3.connect(str(self._path), isolation_level=None, timeout=_BUSY_TIMEOUT_MS / 1000)
        try:
            while not self._stopping.wait(_CHECKPOINT_SECONDS):
                self.pass_once(conn)
        finally:
            conn.close()

    def pass_once(self, conn: sqlite3.Connection) -> int:
        """One passive checkpoint through ``conn``: the frames the WAL holds (-1 when it could not look)."""
        try:
            _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            # A busy or vanished file: the next round tries again, or the store is closing.
            return -1
        if frames > _RESTART_FRAMES:
            self.catch_up = True
        return int(frames)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)
