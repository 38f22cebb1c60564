"""Where object bytes live: files under the data dir, or chunks in PostgreSQL when the state is shared there.

A blob is written once through a writer (``write`` as the bytes come,
``commit`` when they are all there and durable, ``discard`` otherwise), read
back as a range in chunks of at most ``CHUNK`` bytes, and deleted whole; no
step ever holds a whole blob in memory.

- ``DiskBlobs``: ``<root>/<2 hex>/<blob id>``; a writer fills
  ``<root>/incoming/<id>`` and renames it into place after ``fsync``.
- ``PostgresBlobs``: the table ``twinstack_object_chunks`` (blob, n, data) of
  the state's own database, ``CHUNK`` bytes a row; a writer inserts the rows of
  its blob in one transaction of a connection of its own, so a blob is seen
  whole or not at all, by every server of that database.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import psycopg

CHUNK = 1 << 20
"""Bytes per read chunk, and per PostgreSQL row."""

_TABLE = "twinstack_object_chunks"


class BlobWriter(Protocol):
    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> str:
        """Make the bytes durable and return the blob's id."""

    def discard(self) -> None: ...


class Blobs(Protocol):
    def writer(self) -> BlobWriter: ...

    def read(self, blob: str, start: int, stop: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``stop`` (exclusive) of ``blob``, in chunks of at most ``CHUNK``."""

    def delete(self, blob: str) -> None: ...

    def exists(self, blob: str) -> bool:
        """Whether a non-empty blob's bytes are here (an imported state may name blobs this server lacks)."""

    def drop_all(self) -> None:
        """Forget every blob (a reset of the state)."""


def new_blob_id() -> str:
    return uuid.uuid4().hex


class _DiskWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.id = new_blob_id()
        incoming = root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        self.partial = incoming / self.id
        self.file = open(self.partial, "wb")  # noqa: SIM115  (closed by commit or discard)

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)

    def commit(self) -> str:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        final = self.root / self.id[:2] / self.id
        final.parent.mkdir(parents=True, exist_ok=True)
        self.partial.replace(final)
        return self.id

    def discard(self) -> None:
        self.file.close()
        self.partial.unlink(missing_ok=True)


class DiskBlobs:
    """Blobs as files under ``root`` (one server, or several sharing the directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, blob: str) -> Path:
        if not blob.isalnum():
            raise ValueError(f"not a blob id: {blob!r}")
        return self.root / blob[:2] / blob

    def writer(self) -> BlobWriter:
        return _DiskWriter(self.root)

    def read(self, blob: str, start: int, stop: int) -> Iterator[bytes]:
        with open(self._path(blob), "rb") as file:
            file.seek(start)
            left = stop - start
            while left > 0:
                chunk = file.read(min(CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk

    def delete(self, blob: str) -> None:
        self._path(blob).unlink(missing_ok=True)

    def exists(self, blob: str) -> bool:
        return self._path(blob).is_file()

    def drop_all(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class _PostgresWriter:
    def __init__(self, url: str) -> None:
        self.id = new_blob_id()
        import psycopg  # with PostgreSQL state only: the embedded store has no use for it

        self.conn = psycopg.connect(url)
        self.buffer = bytearray()
        self.n = 0

    def _flush(self, final: bool) -> None:
        while len(self.buffer) >= CHUNK or (final and self.buffer):
            piece = bytes(self.buffer[:CHUNK])
            del self.buffer[:CHUNK]
            self.conn.execute(f"INSERT INTO {_TABLE} (blob, n, data) VALUES (%s, %s, %s)", (self.id, self.n, piece))
            self.n += 1

    def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        self._flush(False)

    def commit(self) -> str:
        try:
            self._flush(True)
            self.conn.commit()
        finally:
            self.conn.close()
        return self.id

    def discard(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


class PostgresBlobs:
    """Blobs as rows of ``CHUNK`` bytes in the PostgreSQL database that holds the state."""

    def __init__(self, url: str) -> None:
        import psycopg  # with PostgreSQL state only: the embedded store has no use for it

        self._psycopg = psycopg
        self.url = url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        with psycopg.connect(url, autocommit=True) as conn:
            # Servers starting together race to create the table: one lock, then IF NOT EXISTS.
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (_TABLE,))
            try:
                conn.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (blob TEXT NOT NULL, n INTEGER NOT NULL,"
                             " data BYTEA NOT NULL, PRIMARY KEY (blob, n))")
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (_TABLE,))

    def _run(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = self._psycopg.connect(self.url, autocommit=True)
                    cur = self._conn.execute(sql, args)
                    return cur.fetchall() if cur.description else []
                except self._psycopg.OperationalError:
                    # A dropped connection is opened again once; a second failure is real.
                    self._conn = None
                    if attempt == 2:
                        raise
        return []

    def writer(self) -> BlobWriter:
        return _PostgresWriter(self.url)

    def read(self, blob: str, start: int, stop: int) -> Iterator[bytes]:
        n = start // CHUNK
        skip = start - n * CHUNK
        left = stop - start
        while left > 0:
            rows = self._run(f"SELECT data FROM {_TABLE} WHERE blob=%s AND n=%s", (blob, n))
            if not rows:
                return
            data = bytes(rows[0][0])  # type: ignore[call-overload]
            piece = data[skip: skip + left]
            skip = 0
            n += 1
            if not piece:
                return
            left -= len(piece)
            yield piece

    def delete(self, blob: str) -> None:
        self._run(f"DELETE FROM {_TABLE} WHERE blob=%s", (blob,))

    def exists(self, blob: str) -> bool:
        return bool(self._run(f"SELECT 1 FROM {_TABLE} WHERE blob=%s AND n=0", (blob,)))

    def drop_all(self) -> None:
        self._run(f"TRUNCATE {_TABLE}", ())


def open_blobs(database_url: str | None, data_dir: Path) -> Blobs:
    """Chunks in PostgreSQL when the state is there (every server sharing it reads them), else files."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        return PostgresBlobs(database_url)
    return DiskBlobs(data_dir / "objects")
