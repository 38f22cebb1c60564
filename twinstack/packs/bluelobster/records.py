"""Where Blue Lobster's state lives in the store, seen from one account (tenant).

Everything an account owns (instances, tasks, backups, schedules, teams) is a
resource of its tenant, so another tenant's key never finds it. What the whole
cloud shares (the public IP pool and its free list, console
tickets, the once-only markers of task effects) lives under the pseudo-tenant
``SHARED``, so every tenant and every worker process sees the same rows. Host
capacity and the pool's high-water marks are guarded counters of the store.

State is reached only through ``Collection`` handles, whose look-ups go through
the fields ``pack.INDEXES`` declares: nothing loads a collection to filter it.

Times are twin-clock seconds (``Clock.now()``) in private fields and
``2024-01-15T10:30:00Z`` strings in what clients see, as the document's
examples write them.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twinstack.engine.state import SHARED_TENANT, Collection

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin
    from twinstack.store import Store

SHARED = SHARED_TENANT
"""The pseudo-tenant of cloud-wide state; no credential ever resolves to it."""

Record = dict[str, Any]
"""A stored document (JSON-able); keys starting with ``_`` are never shown to clients."""


@dataclass(slots=True)
class Account:
    """One Blue Lobster account: the twin's state and clock, scoped to a tenant."""

    twin: Twin
    """The service runtime."""
    tenant: str
    """The tenant id, which the API shows as ``account_id``."""
    held: dict[str, Record] = field(default_factory=dict)
    """Records this request stores itself once it is done with them, by id (a launch's new instance):
    reads find them here and saves change them here (``instances.holding``)."""

    @property
    def store(self) -> Store:
        return self.twin.store

    @property
    def slug(self) -> str:
        return self.twin.slug

    @property
    def factor(self) -> float:
        """How much of a realistic duration passes at the configured ``--speed`` (1, 0.1 or 0)."""
        return float(self.twin.clock.factor)

    def now(self) -> float:
        return float(self.twin.clock.now())

    def iso(self, at: float | None = None) -> str:
        return str(self.twin.clock.iso(at))

    def collection(self, name: str) -> Collection:
        """The account's own collection ``name``."""
        return self.twin.collection(self.tenant, name)

    def shared(self, name: str) -> Collection:
        """Cloud-wide collection ``name``, the same for every account."""
        return self.twin.collection(SHARED, name)

    def counter_space(self, name: str) -> str:
        """The namespace of this service's guarded counters ``name`` (host usage, address high-water marks)."""
        return f"{self.slug}:{name}"


def new_id() -> str:
    """A UUID for a new instance or task: version 7 (RFC 9562), the milliseconds since the epoch then random bits.

    Ids made one after another sort one after another, so the store's indexes keyed by id grow at
    their end rather than at random places, and the launches that share a commit share its pages.
    """
    millis = time.time_ns() // 1_000_000 & (1 << 48) - 1
    value = millis << 80 | int.from_bytes(os.urandom(10), "big") & _RANDOM_BITS | _VERSION_7
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_VERSION_7 = 0x7 << 76 | 0b10 << 62
"""The version (7) and variant (RFC) bits of ``new_id``."""
_RANDOM_BITS = (1 << 80) - 1 & ~(0xF << 76) & ~(0b11 << 62)


def fraction(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``: the twin's jitter is deterministic, so reruns agree."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def between(low: float, high: float, *parts: object) -> float:
    """A value in [low, high] fixed by ``parts``."""
    return low + (high - low) * fraction(*parts)
