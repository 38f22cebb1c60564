"""The store methods both SQL implementations share, written once over a small dialect.

A subclass supplies a connection (``_exec``, ``_fetch``, ``transaction``,
``close``) and the few places where SQLite and PostgreSQL differ: the
placeholder, how a new ``seq`` is drawn, the trigger counting resources, row
locking when claiming jobs, and what to do after an import.

Writing an unindexed resource is one statement, atomic by itself; an indexed
one is the resource and its index rows in one transaction (the caller's, if
it has one open).
"""

from __future__ import annotations

import asyncio
import builtins  # within the store classes, `list` names their own method
import functools
import threading
import time
from collections.abc import Awaitable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from twinstack.store._counters import CounterOps
from twinstack.store._index import (
    base_collection, build_index, find_statement, in_chunks, index_rows, matching, rebuild_indexes, write_index,
)
from twinstack.store._rows import (
    CREDENTIAL_COLUMNS, copied, credential_from, credential_row, dumps, loads, tenant_from,
)
from twinstack.store._schema import DERIVED, SCHEMA, TABLES
from twinstack.store._snapshot import SnapshotError, export_tables, import_tables
from twinstack.store.base import JOB_LEASE_SECONDS, Credential, Job, Page, TextPage, Where

_JOB_COLS = "id, due_at, kind, service, tenant, payload"


JOURNAL_KEPT = 100_000
"""Newest request-journal entries kept; older ones are dropped as new ones arrive."""
_JOURNAL_CHUNK = 400

CREDENTIAL_TTL = 1.0
"""Seconds a credential look-up is reused by one process."""

_DROP_LEGACY_MARKERS = "DELETE FROM meta WHERE substr(key, 1, 6)='index:'"
"""Index markers once lived in meta, where snapshots carried them; ``indexed_fields`` holds them now."""


class SqlStore(CounterOps):
    """Store methods written once over ``self._exec``/``self._fetch``; SQL uses ``?`` placeholders."""

    P = "?"
    """The driver's placeholder, substituted for ``?`` by ``_q``."""
    _cred_cache: dict[str, tuple[float, Credential | None]]
    """Recent credential look-ups (made per instance by the implementation's ``__init__``)."""
    _indexes: dict[tuple[str, str], tuple[str, ...]]
    """Declared index fields by (service, collection), made per instance by ``__init__``."""
    _lock: threading.RLock
    """Held around every statement and for a whole transaction (made per instance by ``__init__``)."""
    _depth: int
    """How many ``transaction()`` blocks this store is inside."""
    _journaling = False
    """The statements running now write the journal (no state a reply shows)."""
    SKIP_LOCKED = ""
    """Appended to the job-claiming subquery where the database can lock rows."""
    BAD_DATA: tuple[type[Exception], ...] = ()
    """The driver's errors for rows the schema refuses (duplicate keys, nulls, wrong types)."""

    # what a dialect provides ---------------------------------------------------
    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        raise NotImplementedError

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; every row it returned."""
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write; a nested block is a savepoint, undone alone when it raises."""
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError

    def group_commits(self, loop: asyncio.AbstractEventLoop) -> None:
        """Every write commits by itself unless a dialect groups them (SQLite does)."""

    def committed(self) -> Awaitable[None] | None:
        return None

    def generation(self) -> tuple[int, int] | None:
        """None: a dialect that cannot see every writer cheaply gives no generation."""
        return None

    def _seq(self, table: str) -> str:
        """SQL for the next insertion number of ``table``."""
        raise NotImplementedError

    def _create_triggers(self) -> None:
        """Create (once) the triggers keeping ``resource_counts`` in step with ``resources``."""
        raise NotImplementedError

    def _after_import(self) -> None:
        """Called inside the import transaction, once every row is in."""

    def _q(self, sql: str) -> str:
        return sql if self.P == "?" else sql.replace("?", self.P)

    def _exec_q(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        return self._exec(self._q(sql), args)

    def _fetch_q(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._fetch(self._q(sql), args)

    def _create_schema(self) -> None:
        """Every table and trigger; call inside the schema lock's transaction."""
        for stmt in SCHEMA:
            self._exec(stmt)
        self._create_triggers()
        # State written before collections were counted: count it once.
        if self._fetch("SELECT 1 FROM resources LIMIT 1") and not self._fetch("SELECT 1 FROM resource_counts LIMIT 1"):
            self._count_resources()
        self._exec(_DROP_LEGACY_MARKERS)

    def _count_resources(self) -> None:
        self._exec("DELETE FROM resource_counts")
        self._exec(
            "INSERT INTO resource_counts (service, tenant, collection, n)"
            " SELECT service, tenant, collection, COUNT(*) FROM resources GROUP BY service, tenant, collection"
        )

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """Group a method's statements: in a transaction of their own, or the caller's (no savepoint needed)."""
        with self._lock:
            if self._depth:
                yield
            else:
                with self.transaction():
                    yield

    # resources -----------------------------------------------------------------
    def get(self, service: str, tenant: str, collection: str, rid: str) -> dict[str, Any] | None:
        rows = self._fetch(
            self._q("SELECT data FROM resources WHERE service=? AND tenant=? AND collection=? AND rid=?"),
            (service, tenant, collection, rid),
        )
        return loads(rows[0][0]) if rows else None

    @functools.cached_property
    def _insert_sql(self) -> str:
        return self._q(
            "INSERT INTO resources (service, tenant, collection, rid, seq, created_at, updated_at, data)"
            f" VALUES (?,?,?,?,{self._seq('resources')},?,?,?) ON CONFLICT (service, tenant, collection, rid)"
        )

    def put(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> None:
        fields = self._indexed_fields(service, collection)
        sql = self._insert_sql + " DO UPDATE SET data=excluded.data, updated_at=excluded.updated_at"
        args = (service, tenant, collection, rid, now, now, dumps(data))
        if not fields:
            # One statement, atomic by itself; the count follows by trigger.
            self._exec(sql, args)
            return
        with self._atomic():
            seq = int(self._fetch(sql + " RETURNING seq", args)[0][0])
            write_index(self._exec_q, index_rows(service, tenant, collection, rid, seq, fields, data))

    def insert(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> bool:
        fields = self._indexed_fields(service, collection)
        args = (service, tenant, collection, rid, now, now, dumps(data))
        if not fields:
            return self._exec(self._insert_sql + " DO NOTHING", args) > 0
        with self._atomic():
            rows = self._fetch(self._insert_sql + " DO NOTHING RETURNING seq", args)
            if rows:
                write_index(self._exec_q, index_rows(service, tenant, collection, rid, int(rows[0][0]), fields, data))
        return bool(rows)

    def delete(self, service: str, tenant: str, collection: str, rid: str) -> bool:
        key = (service, tenant, collection, rid)
        sql = self._q("DELETE FROM resources WHERE service=? AND tenant=? AND collection=? AND rid=?")
        fields = self._indexed_fields(service, collection)
        if not fields:
            return self._exec(sql, key) > 0
        with self._atomic():
            count = self._exec(sql, key)
            if count:
                self._exec(
                    self._q(
                        "DELETE FROM resource_index WHERE service=? AND tenant=? AND collection=?"
                        f" AND field IN ({','.join('?' * len(fields))}) AND rid=?"
                    ),
                    (service, tenant, collection, *fields, rid),
                )
        return count > 0

    def list(
        self, service: str, tenant: str, collection: str, *, newest_first: bool = False, limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[dict[str, Any]]:
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT data FROM resources WHERE service=? AND tenant=? AND collection=? ORDER BY seq {order}"
        args: tuple[Any, ...] = (service, tenant, collection)
        if limit is not None or offset:
            # Both databases take a 64-bit LIMIT; "no limit" is spelt differently, a huge one is not.
            sql += " LIMIT ? OFFSET ?"
            args += (max(0, int(limit)) if limit is not None else 2**62, max(0, int(offset)))
        return [loads(r[0]) for r in self._fetch(self._q(sql), args)]

    def count(self, service: str, tenant: str, collection: str, where: Where | None = None) -> int:
        if where:
            match = matching(service, tenant, collection, where, self._indexed_fields(service, collection))
            if match is None:
                return 0
            joins, conds, args = match
            rows = self._fetch(self._q(f"SELECT COUNT(*) FROM resource_index i0{joins} WHERE {conds}"), tuple(args))
            return int(rows[0][0])
        rows = self._fetch(
            self._q("SELECT n FROM resource_counts WHERE service=? AND tenant=? AND collection=?"),
            (service, tenant, collection),
        )
        return int(rows[0][0]) if rows else 0

    def collection_counts(self, service: str, tenant: str) -> dict[str, int]:
        rows = self._fetch(
            self._q("SELECT collection, n FROM resource_counts WHERE service=? AND tenant=? AND n > 0 ORDER BY collection"),
            (service, tenant),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def find_any_tenant(self, service: str, collection: str, rid: str) -> tuple[str, dict[str, Any]] | None:
        rows = self._fetch(
            self._q("SELECT tenant, data FROM resources WHERE service=? AND collection=? AND rid=? ORDER BY seq LIMIT 1"),
            (service, collection, rid),
        )
        return (rows[0][0], loads(rows[0][1])) if rows else None

    # indexed look-ups ------------------------------------------------------------
    def declare_indexes(self, service: str, indexes: Mapping[str, Sequence[str]]) -> None:
        for collection, fields in indexes.items():
            known = self._indexes.get((service, base_collection(collection)), ())
            self._indexes[(service, base_collection(collection))] = tuple(dict.fromkeys((*known, *fields)))
        built = set(self._fetch(self._q("SELECT collection, field FROM indexed_fields WHERE service=?"), (service,)))
        claim = self._q(
            "INSERT INTO indexed_fields (service, collection, field) VALUES (?,?,?)"
            " ON CONFLICT (service, collection, field) DO NOTHING"
        )
        for collection, fields in indexes.items():
            base = base_collection(collection)
            missing = [name for name in dict.fromkeys(fields) if (base, name) not in built]
            if not missing:
                continue
            with self.transaction():
                # The first process to claim a field indexes it; one arriving meanwhile waits on that
                # claim (PostgreSQL) or the write lock (SQLite), then finds the field claimed.
                claimed = tuple(name for name in missing if self._exec(claim, (service, base, name)))
                if claimed:
                    self._build_index(service, base, claimed)

    def _indexed_fields(self, service: str, collection: str) -> tuple[str, ...]:
        if not self._indexes:
            return ()
        return self._indexes.get((service, base_collection(collection)), ())

    def _build_index(self, service: str, collection: str, fields: tuple[str, ...]) -> None:
        build_index(self._fetch_q, self._exec_q, service, collection, fields)

    def find(
        self, service: str, tenant: str, collection: str, *, where: Where | None = None, newest_first: bool = False,
        limit: int | None = None, offset: int = 0, after: str | None = None,
    ) -> Page:
        rows, cursor = self._find_rows(service, tenant, collection, where, newest_first, limit, offset, after)
        return Page([loads(r[1]) for r in rows], cursor)

    def find_texts(
        self, service: str, tenant: str, collection: str, *, where: Where | None = None, newest_first: bool = False,
        limit: int | None = None, offset: int = 0, after: str | None = None,
    ) -> TextPage:
        rows, cursor = self._find_rows(service, tenant, collection, where, newest_first, limit, offset, after)
        return TextPage([str(r[1]) for r in rows], cursor)

    def _find_rows(
        self, service: str, tenant: str, collection: str, where: Where | None, newest_first: bool, limit: int | None,
        offset: int, after: str | None,
    ) -> tuple[builtins.list[tuple[Any, ...]], str | None]:
        """The ``(seq, data)`` rows of a ``find`` window, and its cursor."""
        found = find_statement(
            service, tenant, collection, where, self._indexed_fields(service, collection), newest_first=newest_first,
            after=after,
        )
        if found is None:
            return [], None
        sql, args = found
        size = None if limit is None else max(0, int(limit))
        if size is not None or offset:
            # Both databases take a 64-bit LIMIT; "no limit" is spelt differently, a huge one is not.
            # One row past the window tells whether there is a next page.
            sql += " LIMIT ? OFFSET ?"
            args += [size + 1 if size is not None else 2**62, max(0, int(offset))]
        rows = self._fetch(self._q(sql), tuple(args))
        more = size is not None and len(rows) > size
        if size is not None and more:
            rows = rows[:size]
        cursor = str(rows[-1][0]) if more and rows else None
        return rows, cursor

    def find_one(self, service: str, tenant: str, collection: str, where: Where) -> dict[str, Any] | None:
        found = self.find(service, tenant, collection, where=where, limit=1).items
        return found[0] if found else None

    def get_many(self, service: str, tenant: str, collection: str, rids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted({str(r) for r in rids})
        out: dict[str, dict[str, Any]] = {}
        for chunk in in_chunks(wanted):
            rows = self._fetch(
                self._q(
                    "SELECT rid, data FROM resources WHERE service=? AND tenant=? AND collection=?"
                    f" AND rid IN ({','.join('?' * len(chunk))})"
                ),
                (service, tenant, collection, *chunk),
            )
            out.update((rid, loads(data)) for rid, data in rows)
        return out

    def cursor_at(self, service: str, tenant: str, collection: str, rid: str) -> str | None:
        rows = self._fetch(
            self._q("SELECT seq FROM resources WHERE service=? AND tenant=? AND collection=? AND rid=?"),
            (service, tenant, collection, rid),
        )
        return str(rows[0][0]) if rows else None

    def by_id_range(
        self, service: str, tenant: str, collection: str, *, low: str = "", high: str | None = None, limit: int = 1000,
    ) -> builtins.list[tuple[str, dict[str, Any]]]:
        sql = "SELECT rid, data FROM resources WHERE service=? AND tenant=? AND collection=? AND rid>=?"
        args: tuple[Any, ...] = (service, tenant, collection, low)
        if high is not None:
            sql, args = sql + " AND rid<?", (*args, high)
        rows = self._fetch(self._q(sql + " ORDER BY rid LIMIT ?"), (*args, max(0, int(limit))))
        return [(str(rid), loads(data)) for rid, data in rows]

    # tenants and credentials ---------------------------------------------------
    def put_tenant(self, tenant_id: str, name: str, data: dict[str, Any], now: float) -> None:
        self._exec(
            self._q(
                "INSERT INTO tenants (id, name, created_at, data) VALUES (?,?,?,?)"
                " ON CONFLICT (id) DO UPDATE SET name=excluded.name, data=excluded.data"
            ),
            (tenant_id, name, now, dumps(data)),
        )

    def get_tenant(self, tenant_id: str) -> dict[str, Any] | None:
        rows = self._fetch(self._q("SELECT id, name, created_at, data FROM tenants WHERE id=?"), (tenant_id,))
        return tenant_from(rows[0]) if rows else None

    def list_tenants(self) -> builtins.list[dict[str, Any]]:
        return [tenant_from(r) for r in self._fetch("SELECT id, name, created_at, data FROM tenants ORDER BY created_at, id")]

    def add_credential(self, cred: Credential) -> None:
        self._exec(
            self._q(
                f"INSERT INTO credentials ({CREDENTIAL_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (token_hash) DO UPDATE"
                " SET tenant=excluded.tenant, service=excluded.service, kind=excluded.kind, label=excluded.label,"
                " scopes=excluded.scopes, schemes=excluded.schemes, data=excluded.data, expires_at=excluded.expires_at,"
                " revoked_at=excluded.revoked_at"
            ),
            credential_row(cred),
        )

        self._cred_cache.clear()

    def update_credential(self, cred: Credential) -> None:
        self.add_credential(cred)

    def find_credential(self, token_hash: str) -> Credential | None:
        # Every authenticated request looks its credential up: a short-lived cache saves that
        # round trip. Writes in this process clear it; other processes see a change within
        # CREDENTIAL_TTL seconds.
        now = time.monotonic()
        hit = self._cred_cache.get(token_hash)
        if hit is not None and hit[0] > now:
            return None if hit[1] is None else copied(hit[1])
        rows = self._fetch(self._q(f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE token_hash=?"), (token_hash,))
        found = credential_from(rows[0]) if rows else None
        if len(self._cred_cache) > 10_000:
            self._cred_cache.clear()
        self._cred_cache[token_hash] = (now + CREDENTIAL_TTL, found)
        return None if found is None else copied(found)

    def list_credentials(self, tenant: str, service: str) -> builtins.list[Credential]:
        rows = self._fetch(
            self._q(f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE tenant=? AND service=? ORDER BY created_at, token_hash"),
            (tenant, service),
        )
        return [credential_from(r) for r in rows]

    # kv --------------------------------------------------------------------------
    def kv_get(self, namespace: str, key: str) -> Any:
        rows = self._fetch(self._q("SELECT value FROM kv WHERE namespace=? AND key=?"), (namespace, key))
        return loads(rows[0][0]) if rows else None

    def kv_increment(self, namespace: str, key: str) -> int:
        rows = self._fetch(
            self._q(
                "INSERT INTO kv (namespace, key, value) VALUES (?,?,'1') ON CONFLICT (namespace, key)"
                " DO UPDATE SET value=CAST(CAST(kv.value AS BIGINT) + 1 AS TEXT) RETURNING value"
            ),
            (namespace, key),
        )
        return int(rows[0][0])

    def kv_put(self, namespace: str, key: str, value: Any) -> None:
        self._exec(
            self._q(
                "INSERT INTO kv (namespace, key, value) VALUES (?,?,?)"
                " ON CONFLICT (namespace, key) DO UPDATE SET value=excluded.value"
            ),
            (namespace, key, dumps(value)),
        )

    def kv_delete(self, namespace: str, key: str) -> None:
        self._exec(self._q("DELETE FROM kv WHERE namespace=? AND key=?"), (namespace, key))

    # jobs ------------------------------------------------------------------------
    def add_job(self, job: Job) -> None:
        self._exec(
            self._q(
                "INSERT INTO jobs (id, due_at, kind, service, tenant, payload, claimed) VALUES (?,?,?,?,?,?,0)"
                " ON CONFLICT (id) DO UPDATE SET due_at=excluded.due_at, kind=excluded.kind, service=excluded.service,"
                " tenant=excluded.tenant, payload=excluded.payload, claimed=0"
            ),
            (job.id, job.due_at, job.kind, job.service, job.tenant, dumps(job.payload)),
        )

    def claim_due_jobs(
        self, now: float, limit: int = 100, *, kinds: Collection[str] | None = None, lease: float = JOB_LEASE_SECONDS
    ) -> builtins.list[Job]:
        if limit <= 0 or (kinds is not None and not kinds):
            return []
        wall = time.time()
        until = wall + lease
        # One UPDATE marks and returns the rows, so two claimers can never both
        # take a job: SQLite runs it under its single write lock, PostgreSQL
        # locks the chosen rows and skips those another claimer holds.
        where = "due_at<=? AND claimed<?"
        args: tuple[Any, ...] = (until, now, wall)
        if kinds is not None:
            names = sorted(kinds)
            where += f" AND kind IN ({','.join('?' * len(names))})"
            args += tuple(names)
        rows = self._fetch(
            self._q(
                f"UPDATE jobs SET claimed=? WHERE id IN (SELECT id FROM jobs WHERE {where}"
                f" ORDER BY due_at, id LIMIT ?{self.SKIP_LOCKED}) RETURNING {_JOB_COLS}"
            ),
            args + (int(limit),),
        )
        jobs = [Job(r[0], r[1], r[2], r[3], r[4], loads(r[5]), until) for r in rows]
        jobs.sort(key=lambda j: (j.due_at, j.id))
        return jobs

    def finish_job(self, job: Job) -> None:
        # Matching the lease leaves the row alone when the job was rescheduled
        # (add_job clears the lease) or re-claimed after this lease ran out.
        self._exec(self._q("DELETE FROM jobs WHERE id=? AND claimed=?"), (job.id, job.lease))

    def cancel_job(self, job_id: str) -> bool:
        return self._exec(self._q("DELETE FROM jobs WHERE id=?"), (job_id,)) > 0

    def next_job_due(self) -> float | None:
        rows = self._fetch(self._q("SELECT MIN(due_at) FROM jobs WHERE claimed<?"), (time.time(),))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    # outbox, journal ---------------------------------------------------------------
    def add_message(self, message: dict[str, Any]) -> None:
        self._exec(
            self._q(
                "INSERT INTO outbox (seq, id, service, tenant, channel, recipient, created_at, data)"
                f" VALUES ({self._seq('outbox')},?,?,?,?,?,?,?)"
            ),
            (
                message["id"], message.get("service", ""), message.get("tenant", ""), message.get("channel", ""),
                str(message.get("recipient", "")), message.get("created_at", ""), dumps(message),
            ),
        )

    def list_messages(self, filters: dict[str, str], limit: int, before_seq: int | None) -> builtins.list[dict[str, Any]]:
        sql = "SELECT seq, data FROM outbox WHERE 1=1"
        args: builtins.list[Any] = []
        for col in ("service", "tenant", "channel", "recipient"):
            if filters.get(col):
                sql += f" AND {col}=?"
                args.append(filters[col])
        if filters.get("since"):
            sql += " AND created_at>=?"
            args.append(filters["since"])
        if before_seq is not None:
            sql += " AND seq<?"
            args.append(before_seq)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        out = []
        for seq, data in self._fetch(self._q(sql), tuple(args)):
            item = loads(data)
            item["_seq"] = seq
            out.append(item)
        return out

    def add_journal(self, entries: builtins.list[dict[str, Any]]) -> None:
        if not entries:
            return
        # A busy twin journals thousands of requests between flushes: one statement per chunk,
        # not per entry, keeps the flush (on the event loop) short.
        with self.transaction():
            # The journal is no state a reply shows: writing it leaves ``generation`` as it was.
            self._journaling = True
            try:
                self._append_journal(entries)
            finally:
                self._journaling = False

    def _append_journal(self, entries: builtins.list[dict[str, Any]]) -> None:
        seqs: builtins.list[int] = []
        for start in range(0, len(entries), _JOURNAL_CHUNK):
            chunk = entries[start: start + _JOURNAL_CHUNK]
            seqs = self._next_seqs("journal", len(chunk))
            values = ",".join("(?,?)" for _ in chunk)
            args = tuple(v for seq, entry in zip(seqs, chunk) for v in (seq, dumps(entry)))
            self._exec(self._q(f"INSERT INTO journal (seq, data) VALUES {values}"), args)
        # An indexed range: nothing to do (and nothing read) until the journal is that long.
        self._exec(self._q("DELETE FROM journal WHERE seq<=?"), (seqs[-1] - JOURNAL_KEPT,))

    def _next_seqs(self, table: str, n: int) -> builtins.list[int]:
        """``n`` new insertion numbers for ``table``, ascending (call inside a transaction)."""
        raise NotImplementedError

    def list_journal(self, limit: int) -> builtins.list[dict[str, Any]]:
        return [loads(r[0]) for r in self._fetch(self._q("SELECT data FROM journal ORDER BY seq DESC LIMIT ?"), (limit,))]

    # meta and the whole state -------------------------------------------------------
    def meta_get(self, key: str) -> str | None:
        rows = self._fetch(self._q("SELECT value FROM meta WHERE key=?"), (key,))
        return str(rows[0][0]) if rows else None

    def meta_set(self, key: str, value: str) -> None:
        self._exec(
            self._q("INSERT INTO meta (key, value) VALUES (?,?) ON CONFLICT (key) DO UPDATE SET value=excluded.value"),
            (key, value),
        )

    def meta_setdefault(self, key: str, value: str) -> str:
        # Insert-if-absent then read: every process racing here ends up with the first writer's value.
        self._exec(self._q("INSERT INTO meta (key, value) VALUES (?,?) ON CONFLICT (key) DO NOTHING"), (key, value))
        return self.meta_get(key) or value

    def meta_add(self, key: str, delta: float) -> float:
        # Two processes advancing the clock together must add up, not overwrite
        # each other: the no-op UPDATE takes the row's write lock (PostgreSQL;
        # SQLite's transaction already holds the only one) before the read.
        with self.transaction():
            self._exec(self._q("INSERT INTO meta (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING"), (key,))
            self._exec(self._q("UPDATE meta SET value=value WHERE key=?"), (key,))
            current = float(self.meta_get(key) or 0.0)
            total = current + delta
            self.meta_set(key, repr(total))
        return total

    def reset(self) -> None:
        self._cred_cache.clear()
        with self.transaction():
            for table in (*TABLES, *DERIVED):
                self._exec(f"DELETE FROM {table}")

    def export(self) -> dict[str, Any]:
        return export_tables(self._fetch)

    def import_(self, snapshot: dict[str, Any]) -> None:
        self._cred_cache.clear()
        try:
            with self.transaction():
                import_tables(snapshot, self._exec, self._q)
                self._after_import()
                self._exec(_DROP_LEGACY_MARKERS)
                self._count_resources()
                rebuild_indexes(self._fetch_q, self._exec_q, self._indexes)
        except self.BAD_DATA as exc:
            # Raised out of the transaction, so it has been rolled back.
            raise SnapshotError(f"snapshot rejected by the database: {exc}") from exc
