"""A pack's handle on one collection of its service's state, tenant already bound.

Handlers reach state through ``ctx.collection(name)`` (the caller's tenant) or
``ctx.shared(name)`` (cloud-wide rows every tenant sees, such as an IP pool);
jobs and controls through ``twin.collection(tenant, name)``. Look-ups go
through the fields the pack declared in ``Pack.indexes``: the store refuses a
query on any other field, so a scan cannot slip back onto a request's path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from twinstack.store import Page, Store, TextPage

SHARED_TENANT = "_shared"
"""The pseudo-tenant of cloud-wide state; no credential ever resolves to it."""

Record = dict[str, Any]
"""A stored document (JSON-able); keys starting with ``_`` are never shown to clients."""


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection of one service, seen from one tenant."""

    store: Store
    service: str
    tenant: str
    name: str
    """The collection, with its ``#scope`` suffix where it has one."""
    clock: Callable[[], float]
    """Twin time for ``created_at``/``updated_at`` columns."""

    def get(self, rid: str) -> Record | None:
        return self.store.get(self.service, self.tenant, self.name, rid)

    def get_many(self, rids: Iterable[str]) -> dict[str, Record]:
        return self.store.get_many(self.service, self.tenant, self.name, rids)

    def put(self, rid: str, data: Record) -> None:
        self.store.put(self.service, self.tenant, self.name, rid, data, self.clock())

    def insert(self, rid: str, data: Record) -> bool:
        """Store ``data`` unless ``rid`` exists; True for the one caller (of any process) that stored it."""
        return self.store.insert(self.service, self.tenant, self.name, rid, data, self.clock())

    def delete(self, rid: str) -> bool:
        return self.store.delete(self.service, self.tenant, self.name, rid)

    def find(self, where: Mapping[str, Any] | None = None, *, newest_first: bool = False, limit: int | None = None,
             offset: int = 0, after: str | None = None) -> Page:
        """Records matching ``where`` (declared fields only), oldest first unless ``newest_first``."""
        return self.store.find(self.service, self.tenant, self.name, where=where or None,
                               newest_first=newest_first, limit=limit, offset=offset, after=after)

    def find_texts(self, where: Mapping[str, Any] | None = None, *, newest_first: bool = False,
                   limit: int | None = None) -> TextPage:
        """``find``, each record as the JSON text stored for it (for ``twin.views``)."""
        return self.store.find_texts(self.service, self.tenant, self.name, where=where or None,
                                     newest_first=newest_first, limit=limit)

    def cursor_at(self, rid: str) -> str | None:
        """Where ``find(after=...)`` continues past ``rid``; None when ``rid`` is not stored."""
        return self.store.cursor_at(self.service, self.tenant, self.name, rid)

    def find_one(self, **where: Any) -> Record | None:
        return self.store.find_one(self.service, self.tenant, self.name, where)

    def count(self, **where: Any) -> int:
        return self.store.count(self.service, self.tenant, self.name, where or None)

