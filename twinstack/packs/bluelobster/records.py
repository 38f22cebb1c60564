"""Where Blue Lobster's state lives in the store, seen from one account (tenant).

Everything an account owns (instances, tasks, backups, schedules, teams) is a
resource of its tenant, so another tenant's key never finds it. What the whole
cloud shares (host capacity, the public IP pool, console tickets, the
once-only markers of task effects) lives under the pseudo-tenant ``SHARED``,
so every tenant and every worker process sees the same rows.

Times are twin-clock seconds (``Clock.now()``) in private fields and
``2024-01-15T10:30:00Z`` strings in what clients see, as the document's
examples write them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

SHARED = "_shared"
"""The pseudo-tenant of cloud-wide state; no credential ever resolves to it."""

Record = dict[str, Any]
"""A stored document (JSON-able); keys starting with ``_`` are never shown to clients."""


@dataclass(slots=True)
class Account:
    """One Blue Lobster account: the twin's store and clock, scoped to a tenant."""

    twin: Any
    """The service runtime (``twinstack.engine.twin.Twin``)."""
    tenant: str
    """The tenant id, which the API shows as ``account_id``."""

    @property
    def store(self) -> Any:
        return self.twin.store

    @property
    def slug(self) -> str:
        return str(self.twin.slug)

    @property
    def factor(self) -> float:
        """How much of a realistic duration passes at the configured ``--speed`` (1, 0.1 or 0)."""
        return float(self.twin.clock.factor)

    def now(self) -> float:
        return float(self.twin.clock.now())

    def iso(self, at: float | None = None) -> str:
        return str(self.twin.clock.iso(at))

    # the account's own resources --------------------------------------------
    def get(self, collection: str, rid: str) -> Record | None:
        found = self.store.get(self.slug, self.tenant, collection, rid)
        return found if isinstance(found, dict) else None

    def put(self, collection: str, rid: str, data: Record) -> None:
        self.store.put(self.slug, self.tenant, collection, rid, data, self.now())

    def delete(self, collection: str, rid: str) -> bool:
        return bool(self.store.delete(self.slug, self.tenant, collection, rid))

    def all(self, collection: str) -> list[Record]:
        """Every record of the collection, oldest first."""
        return list(self.store.list(self.slug, self.tenant, collection))

    # cloud-wide state ---------------------------------------------------------
    def shared_all(self, collection: str) -> list[Record]:
        return list(self.store.list(self.slug, SHARED, collection))

    def shared_get(self, collection: str, rid: str) -> Record | None:
        found = self.store.get(self.slug, SHARED, collection, rid)
        return found if isinstance(found, dict) else None

    def shared_claim(self, collection: str, rid: str, data: Record) -> bool:
        """Insert ``rid`` unless it exists; True for the one caller (of any process) that inserted it."""
        return bool(self.store.insert(self.slug, SHARED, collection, rid, data, self.now()))

    def shared_put(self, collection: str, rid: str, data: Record) -> None:
        self.store.put(self.slug, SHARED, collection, rid, data, self.now())

    def shared_delete(self, collection: str, rid: str) -> bool:
        return bool(self.store.delete(self.slug, SHARED, collection, rid))


def fraction(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``: the twin's jitter is deterministic, so reruns agree."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def between(low: float, high: float, *parts: object) -> float:
    """A value in [low, high] fixed by ``parts``."""
    return low + (high - low) * fraction(*parts)
