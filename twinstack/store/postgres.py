"""PostgreSQL state, so several processes or hosts serve one shared state.

Each process holds one connection (the event loop calls the store
synchronously, so more would sit idle). When the server drops it (restart,
``pg_terminate_backend``, an idle timeout), the next call reconnects and, if
it was not inside a transaction, runs its statement again: a statement on a
connection already dead never reached the server. A statement cut off while
running may have committed before the reply was lost; then the retry sees
its effect (an insert reports a conflict), which is the price of staying up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from twinstack.store._schema import SEQUENCED
from twinstack.store.base import Credential
from twinstack.store._sql import SqlStore

log = logging.getLogger("twinstack.store")

_SCHEMA_LOCK = 7417001
"""Advisory lock key held while creating the schema (advisory locks are per database)."""
_SEQUENCE = "twinstack_seq"
_COUNT_FUNCTION = """CREATE OR REPLACE FUNCTION twinstack_count_resources() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO resource_counts AS c (service, tenant, collection, n)
        VALUES (NEW.service, NEW.tenant, NEW.collection, 1)
        ON CONFLICT (service, tenant, collection) DO UPDATE SET n=c.n+1;
    ELSE
        UPDATE resource_counts SET n=n-1
        WHERE service=OLD.service AND tenant=OLD.tenant AND collection=OLD.collection;
    END IF;
    RETURN NULL;
END $$"""
"""Counts resources as they come and go (the trigger ``resources_counted`` runs it)."""


class PostgresStore(SqlStore):
    P = "%s"
    SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"
    BAD_DATA = (psycopg.IntegrityError, psycopg.DataError, psycopg.ProgrammingError)

    def __init__(self, url: str) -> None:
        self._cred_cache: dict[str, tuple[float, Credential | None]] = {}
        self._indexes: dict[tuple[str, str], tuple[str, ...]] = {}
        self.url = url
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = self._connect()
        with self.transaction():
            # Workers and servers starting together must not race on CREATE:
            # concurrent CREATE ... IF NOT EXISTS can still fail in PostgreSQL.
            # One transaction also makes the whole schema a single commit.
            self._exec("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            self._create_schema()
            self._exec(f"CREATE SEQUENCE IF NOT EXISTS {_SEQUENCE}")
            self._migrate()
            self._sync_sequence()

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self.url, autocommit=True, connect_timeout=10, application_name="twinstack",
            keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3,
        )

    def _reconnect(self) -> None:
        log.warning("PostgreSQL connection lost; reconnecting")
        try:
            self._conn.close()
        except psycopg.Error:
            pass
        self._conn = self._connect()

    def _run(self, sql: str, args: tuple[Any, ...], rows: bool) -> Any:
        with self._lock:
            if self._conn.closed and not self._depth:
                self._reconnect()
            try:
                cur = self._conn.execute(sql, args or None)
            except psycopg.OperationalError:
                # Inside a transaction the work so far is gone with the connection; the caller must see that.
                if self._depth or not self._conn.closed:
                    raise
                self._reconnect()
                cur = self._conn.execute(sql, args or None)
            return cur.fetchall() if rows else cur.rowcount

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        return int(self._run(sql, args, rows=False))

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return list(self._run(sql, args, rows=True))

    def _seq(self, table: str) -> str:
        return f"nextval('{_SEQUENCE}')"

    def _next_seqs(self, table: str, n: int) -> list[int]:
        rows = self._fetch(f"SELECT nextval('{_SEQUENCE}') FROM generate_series(1, %s)", (n,))
        return sorted(int(r[0]) for r in rows)

    def _create_triggers(self) -> None:
        # Under the schema lock, so the check cannot race another process creating it.
        if self._fetch("SELECT 1 FROM pg_trigger WHERE tgrelid='resources'::regclass AND tgname='resources_counted'"):
            return
        self._exec(_COUNT_FUNCTION)
        self._exec(
            "CREATE TRIGGER resources_counted AFTER INSERT OR DELETE ON resources"
            " FOR EACH ROW EXECUTE FUNCTION twinstack_count_resources()"
        )

    def _migrate(self) -> None:
        # Before leases, jobs.claimed was an INTEGER flag; it now holds a wall-clock time.
        rows = self._fetch(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_schema=current_schema() AND table_name='jobs' AND column_name='claimed'"
        )
        if rows and rows[0][0] != "double precision":
            self._exec("ALTER TABLE jobs ALTER COLUMN claimed TYPE DOUBLE PRECISION")

    def _sync_sequence(self) -> None:
        """Move the sequence past every stored ``seq`` (after an import, or state from before the sequence)."""
        highest = ", ".join(f"(SELECT COALESCE(MAX(seq), 0) FROM {table})" for table in SEQUENCED)
        self._fetch(f"SELECT setval('{_SEQUENCE}', GREATEST({highest}, (SELECT last_value FROM {_SEQUENCE}), 1))")

    def _after_import(self) -> None:
        self._sync_sequence()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._conn.closed and not self._depth:
                self._reconnect()
            block = self._conn.transaction()
            try:
                block.__enter__()
            except psycopg.OperationalError:
                # A connection found dead at BEGIN ran nothing yet: reconnect and begin again.
                if self._depth or not self._conn.closed:
                    raise
                self._reconnect()
                block = self._conn.transaction()
                block.__enter__()
            self._depth += 1
            try:
                yield
            except BaseException as exc:
                self._depth -= 1
                if not block.__exit__(type(exc), exc, exc.__traceback__):
                    raise
            else:
                self._depth -= 1
                block.__exit__(None, None, None)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
