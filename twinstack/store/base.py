"""The store's interface and the values it passes around.

Every method is synchronous and short: the embedded SQLite answers in
microseconds, and PostgreSQL on loopback in well under a millisecond, so the
event loop calls them directly. Writes are committed before the method
returns, which is what makes an acknowledged request survive ``kill -9``.
"""

from __future__ import annotations

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


@dataclass(slots=True)
class Job:
    id: str
    due_at: float
    kind: str
    service: str
    tenant: str
    payload: dict[str, Any] = field(default_factory=dict)


class Store(Protocol):
    """State of every twin; the same contract suite runs against each implementation."""

    def transaction(self) -> AbstractContextManager[None]: ...

    # resources ------------------------------------------------------------
    def get(self, service: str, tenant: str, collection: str, rid: str) -> dict[str, Any] | None: ...
    def put(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> None: ...
    def insert(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> bool: ...
    def delete(self, service: str, tenant: str, collection: str, rid: str) -> bool: ...
    def list(
        self, service: str, tenant: str, collection: str, *, newest_first: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]: ...
    def count(self, service: str, tenant: str, collection: str) -> int: ...
    def find_any_tenant(self, service: str, collection: str, rid: str) -> tuple[str, dict[str, Any]] | None: ...

    # tenants and credentials ---------------------------------------------
    def put_tenant(self, tenant_id: str, name: str, data: dict[str, Any], now: float) -> None: ...
    def get_tenant(self, tenant_id: str) -> dict[str, Any] | None: ...
    def list_tenants(self) -> list[dict[str, Any]]: ...
    def add_credential(self, cred: Credential) -> None: ...
    def find_credential(self, token_hash: str) -> Credential | None: ...
    def update_credential(self, cred: Credential) -> None: ...
    def list_credentials(self, tenant: str, service: str) -> list[Credential]: ...

    # key-value (idempotency records, secrets, counters) -------------------
    def kv_get(self, namespace: str, key: str) -> Any: ...
    def kv_put(self, namespace: str, key: str, value: Any) -> None: ...
    def kv_delete(self, namespace: str, key: str) -> None: ...

    # durable timers ------------------------------------------------------
    def add_job(self, job: Job) -> None: ...
    def claim_due_jobs(self, now: float, limit: int = 100) -> list[Job]: ...
    def next_job_due(self) -> float | None: ...

    # outbox and request journal ------------------------------------------
    def add_message(self, message: dict[str, Any]) -> None: ...
    def list_messages(self, filters: dict[str, str], limit: int, before_seq: int | None) -> list[dict[str, Any]]: ...
    def add_journal(self, entries: list[dict[str, Any]]) -> None: ...
    def list_journal(self, limit: int) -> list[dict[str, Any]]: ...

    # whole state -----------------------------------------------------------
    def meta_get(self, key: str) -> str | None: ...
    def meta_set(self, key: str, value: str) -> None: ...
    def reset(self) -> None: ...
    def export(self) -> dict[str, Any]: ...
    def import_(self, snapshot: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def open_store(database_url: str | None, data_dir: Path) -> Store:
    """SQLite under ``data_dir`` unless a ``postgresql://`` URL is given."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        from twinstack.store.postgres import PostgresStore

        return PostgresStore(database_url)
    from twinstack.store.sqlite import SqliteStore

    data_dir.mkdir(parents=True, exist_ok=True)
    target = database_url.removeprefix("sqlite:///") if database_url and database_url.startswith("sqlite:///") else None
    return SqliteStore(Path(target) if target else data_dir / "state.db")
