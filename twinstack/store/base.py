"""The store's interface and the values it passes around.

Every method is synchronous and short: the embedded SQLite answers in
microseconds, and PostgreSQL on loopback in well under a millisecond, so the
event loop calls them directly. Writes are committed before the method
returns, which is what makes an acknowledged request survive ``kill -9``.

``transaction()`` groups calls into one atomic write. It is held by the
calling thread, not by an asyncio task, so never ``await`` inside it: another
request's calls would run inside the open transaction.

Several processes may open one state at once (``--workers``, or servers
sharing a PostgreSQL database); every method stays correct when they do.

Nothing on a request's path loads a collection to filter it: ``find``,
``find_one`` and ``count`` look resources up by the fields a pack declared
with ``declare_indexes`` (a query on any other field raises
``UndeclaredIndex`` at once), and ``adjust`` moves guarded counters in one
conditional write. ``list`` reads a whole collection, for start-up and
control-plane work only.
"""

from __future__ import annotations

import asyncio
import builtins  # within the store classes, `list` names their own method
from collections.abc import Awaitable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(slots=True)
class Credential:
    token_hash: str
    tenant: str
    service: str
    kind: str
    """What sort of credential: ``api_key``, ``pat``, ``service_key``, ``login``, ``refresh``..."""
    label: str = ""
    scopes: list[str] | None = None
    """Scopes granted; ``None`` grants every scope."""
    schemes: list[str] | None = None
    """Security schemes this credential satisfies; ``None`` means any."""
    data: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    expires_at: float | None = None
    revoked_at: float | None = None


class UndeclaredIndex(LookupError):
    """A look-up on a field its service never declared as indexed: a programming error, raised at once."""


Where = Mapping[str, Any]
"""Equality conditions ``{field: value}``, AND-ed; a list, tuple or set value matches any of its items.
``None`` matches a resource whose field is null or absent. Values compare as text, so ``1`` matches ``"1"``."""

Bounds = Mapping[str, "tuple[int | None, int | None]"]
"""Per counter field, the lowest and highest value it may reach (``None``: unbounded)."""


@dataclass(slots=True)
class Page:
    """A window of a collection, in insertion order (or its reverse)."""

    items: list[dict[str, Any]]
    cursor: str | None = None
    """Pass as ``after`` for the next window; ``None`` when this one reached the end."""


@dataclass(slots=True)
class TextPage:
    """A ``Page`` of the JSON texts the store holds, unparsed (``find_texts``)."""

    texts: list[str]
    cursor: str | None = None


JOB_LEASE_SECONDS = 30.0
"""How long (wall-clock) a claimed job is held before another claimer may run it again."""


@dataclass(slots=True)
class Job:
    id: str
    due_at: float
    """Twin time (``Clock.now()``) at which the job becomes due."""
    kind: str
    service: str
    tenant: str
    payload: dict[str, Any] = field(default_factory=dict)
    lease: float = 0.0
    """Set by ``claim_due_jobs``: wall-clock end of this claim, which ``finish_job`` names."""


class Store(Protocol):
    """State of every twin; the same contract suite runs against each implementation."""

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes into one atomic commit. A nested block is a savepoint: when it raises, its writes
        alone are undone (the exception still propagates)."""

    # resources ------------------------------------------------------------
    def get(self, service: str, tenant: str, collection: str, rid: str) -> dict[str, Any] | None: ...
    def put(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> None: ...
    def insert(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> bool: ...
    def delete(self, service: str, tenant: str, collection: str, rid: str) -> bool: ...
    def list(
        self, service: str, tenant: str, collection: str, *, newest_first: bool = False, limit: int | None = None, offset: int = 0
    ) -> builtins.list[dict[str, Any]]: ...
    def count(self, service: str, tenant: str, collection: str, where: Where | None = None) -> int:
        """How many resources the collection holds (matching ``where``); a stored counter when unfiltered."""

    def find_any_tenant(self, service: str, collection: str, rid: str) -> tuple[str, dict[str, Any]] | None: ...
    def collection_counts(self, service: str, tenant: str) -> dict[str, int]:
        """Every collection of ``tenant`` in ``service`` holding resources, with how many (the stored counters)."""
        ...

    # indexed look-ups ----------------------------------------------------------
    def declare_indexes(self, service: str, indexes: Mapping[str, Sequence[str]]) -> None:
        """Fields of ``service``'s collections that ``find`` and ``count`` may filter on.

        A collection is named without its ``#scope`` suffix (``members`` covers
        ``members#project-1``). Index rows are written in the transaction of
        every ``put``/``insert``/``delete`` from then on; rows stored before the
        field was declared are indexed here, once (at start-up, not per request),
        by whichever process sharing the state declares it first. A write indexes
        the fields its own store declared, so every process writing a collection
        declares the same fields (they run the same packs).
        """

    def find(
        self, service: str, tenant: str, collection: str, *, where: Where | None = None, newest_first: bool = False,
        limit: int | None = None, offset: int = 0, after: str | None = None,
    ) -> Page:
        """Resources matching ``where``, by insertion order: at most ``limit``, skipping ``offset``, after the
        cursor ``after`` (a ``Page.cursor``: a seek, so deep pages cost what the first one does)."""

    def find_texts(
        self, service: str, tenant: str, collection: str, *, where: Where | None = None, newest_first: bool = False,
        limit: int | None = None, offset: int = 0, after: str | None = None,
    ) -> TextPage:
        """``find``, each resource as the JSON text stored for it: the same text until the resource is written
        again, so a reader may key what it makes of a resource on it (``engine/views.py``)."""

    def find_one(self, service: str, tenant: str, collection: str, where: Where) -> dict[str, Any] | None:
        """The oldest resource matching ``where``."""

    def get_many(self, service: str, tenant: str, collection: str, rids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored resources among ``rids``, by id (unknown ids are left out)."""

    def cursor_at(self, service: str, tenant: str, collection: str, rid: str) -> str | None:
        """A cursor at ``rid``'s place: ``find(after=...)`` with it continues just past ``rid``, in either order
        and whatever ``where``; None when ``rid`` is not stored (APIs that page by "starting after this id")."""

    def by_id_range(
        self, service: str, tenant: str, collection: str, *, low: str = "", high: str | None = None, limit: int = 1000,
    ) -> builtins.list[tuple[str, dict[str, Any]]]:
        """``(rid, data)`` of the resources whose id is at least ``low`` and below ``high``, in id order, at most
        ``limit``: a seek on the primary key, for ordered listings (S3 keys). Ids are compared as text in the
        database's collation; ids spelt in lowercase hex (and bounds of hex and ``g``) order alike in all."""

    # guarded counters ----------------------------------------------------------
    def adjust(self, namespace: str, key: str, deltas: Mapping[str, int], within: Bounds | None = None) -> dict[str, int] | None:
        """Add ``deltas`` to the counter fields of ``key`` (absent fields count 0), all or nothing.

        Returns the new values, or ``None`` (and nothing changed) when a field
        would leave its ``within`` bounds. Safe when several processes race: no
        caller ever sees a bound crossed.
        """

    def counters(self, namespace: str, key: str) -> dict[str, int]:
        """The current values of ``key``'s counter fields."""

    def counters_many(self, namespace: str, keys: Iterable[str]) -> dict[str, dict[str, int]]:
        """``counters`` of each of ``keys`` in one look-up (a key with no field maps to ``{}``)."""

    def drop_counters(self, namespace: str, key: str | None = None) -> None:
        """Forget ``key``'s counters (every key of ``namespace`` when ``key`` is None)."""

    # tenants and credentials ---------------------------------------------
    def put_tenant(self, tenant_id: str, name: str, data: dict[str, Any], now: float) -> None: ...
    def get_tenant(self, tenant_id: str) -> dict[str, Any] | None: ...
    def list_tenants(self) -> builtins.list[dict[str, Any]]: ...
    def add_credential(self, cred: Credential) -> None: ...
    def find_credential(self, token_hash: str) -> Credential | None: ...
    def update_credential(self, cred: Credential) -> None: ...
    def list_credentials(self, tenant: str, service: str) -> builtins.list[Credential]: ...

    # key-value (idempotency records, secrets, counters) -------------------
    def kv_get(self, namespace: str, key: str) -> Any: ...
    def kv_put(self, namespace: str, key: str, value: Any) -> None: ...
    def kv_delete(self, namespace: str, key: str) -> None: ...
    def kv_increment(self, namespace: str, key: str) -> int:
        """Atomically add one to an integer counter (absent counts as 0) and return the new value."""

    # durable timers ------------------------------------------------------
    def add_job(self, job: Job) -> None:
        """Schedule ``job``; an existing job with its id is replaced (and released if claimed)."""

    def claim_due_jobs(
        self, now: float, limit: int = 100, *, kinds: Collection[str] | None = None, lease: float = JOB_LEASE_SECONDS
    ) -> builtins.list[Job]:
        """Take up to ``limit`` jobs due at ``now`` (of ``kinds`` only, if given), soonest first.

        A claimed job is handed to no other claimer until ``finish_job`` removes
        it or ``lease`` seconds pass: a process killed while running a job
        leaves it to be run again, so an acknowledged lifecycle is never lost.
        """

    def finish_job(self, job: Job) -> None:
        """Remove a job this claimer ran, unless it was rescheduled or re-claimed meanwhile."""

    def cancel_job(self, job_id: str) -> bool:
        """Remove a scheduled job whatever its state; whether there was one."""

    def next_job_due(self) -> float | None: ...

    # outbox and request journal ------------------------------------------
    def add_message(self, message: dict[str, Any]) -> None: ...
    def list_messages(self, filters: dict[str, str], limit: int, before_seq: int | None) -> builtins.list[dict[str, Any]]: ...
    def add_journal(self, entries: builtins.list[dict[str, Any]]) -> None: ...
    def list_journal(self, limit: int) -> builtins.list[dict[str, Any]]: ...

    # whole state -----------------------------------------------------------
    def meta_get(self, key: str) -> str | None: ...
    def meta_set(self, key: str, value: str) -> None: ...
    def meta_setdefault(self, key: str, value: str) -> str:
        """The stored value of ``key``, storing ``value`` first if there is none; atomic across processes."""

    def meta_add(self, key: str, delta: float) -> float:
        """Add ``delta`` to a numeric meta value (0 if unset) atomically; the new value."""

    def reset(self) -> None:
        """Delete everything, tenants and meta included."""

    def export(self) -> dict[str, Any]:
        """Every table as one JSON-ready document (see ``twinstack.store._snapshot``)."""

    def import_(self, snapshot: dict[str, Any]) -> None:
        """Replace the whole state with an ``export``; raises ``ValueError`` and changes nothing if it is malformed."""

    def close(self) -> None: ...

    # group commit ----------------------------------------------------------
    def group_commits(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, writes made while ``loop`` runs may share one commit (see ``committed``)."""

    def generation(self) -> tuple[int, int] | None:
        """A value that changes whenever the state may have changed, by this process or any other.

        Equal values mean nothing was written in between (the request journal aside), so an answer
        made from the state then is still the answer. ``None`` where the store cannot tell cheaply
        (PostgreSQL: other processes commit unseen); then nothing may be reused.
        """
        return None

    def committed(self) -> Awaitable[None] | None:
        """What to await before answering: the commit of the writes (and reads of them) made so far.

        ``None`` when nothing is waiting to be committed, always so where every
        write commits by itself. An answer sent only after this resolves can
        never be lost, nor show a client something that was never durable.
        """


def open_store(database_url: str | None, data_dir: Path) -> Store:
    """SQLite under ``data_dir`` unless a ``postgresql://`` URL is given."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        from twinstack.store.postgres import PostgresStore

        return PostgresStore(database_url)
    from twinstack.store.sqlite import SqliteStore

    data_dir.mkdir(parents=True, exist_ok=True)
    target = database_url.removeprefix("sqlite:///") if database_url and database_url.startswith("sqlite:///") else None
    return SqliteStore(Path(target) if target else data_dir / "state.db")
