"""The durable delivery log: every delivery with its attempts, listable newest first with a cursor.

Deliveries are resources of ``webhooks:deliveries`` (service and tenant
scoped), written in the caller's transaction. The store indexes them by
``endpoint_id`` and ``status`` (``declare`` asks for it when a service is
configured), so one endpoint's log, or its pending deliveries, are read
without touching the others'.

Entries are only ever appended, never deleted, and the store orders a
collection by insertion. A cursor holds the store's position after the last
entry read, and the next page seeks past it: entries added since are newer,
so they come before the reader's position and none is skipped or repeated
while the log grows under a reader, however deep the page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from twinstack.drivers.webhooks.records import Delivery, DeliveryPage
from twinstack.store import Store

DELIVERIES = "webhooks:deliveries"
_SCAN = 500
_CURSOR = "after:"


class DeliveryLog:
    """Reads and writes deliveries; callers group writes in the store's transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def declare(self, service: str) -> None:
        """Have the store index ``service``'s deliveries by endpoint and status; at start, before the first write."""
        self.store.declare_indexes(service, {DELIVERIES: ("endpoint_id", "status")})

    def add(self, service: str, tenant: str, delivery: Delivery) -> None:
        self.store.put(service, tenant, DELIVERIES, delivery.id, delivery.to_dict(), delivery.created_at)

    def save(self, service: str, tenant: str, delivery: Delivery) -> None:
        self.store.put(service, tenant, DELIVERIES, delivery.id, delivery.to_dict(), delivery.updated_at)

    def get(self, service: str, tenant: str, delivery_id: str) -> Delivery | None:
        data = self.store.get(service, tenant, DELIVERIES, delivery_id)
        return Delivery.from_dict(data) if data is not None else None

    def page(
        self, service: str, tenant: str, *, endpoint_id: str | None = None, limit: int = 25, cursor: str | None = None,
        starting_after: str | None = None,
    ) -> DeliveryPage:
        """Newest first; continue with ``cursor`` (from the previous page) or after a delivery id.

        An unknown ``starting_after`` (or another endpoint's delivery) gives an
        empty page; a malformed ``cursor`` raises ``ValueError``.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        after = None
        if cursor is not None:
            after = _decode(cursor)
        elif starting_after is not None:
            anchor = self.get(service, tenant, starting_after)
            if anchor is not None and endpoint_id in (None, anchor.endpoint_id):
                after = self.store.cursor_at(service, tenant, DELIVERIES, starting_after)
            if after is None:
                return DeliveryPage([], None)
        where = {"endpoint_id": endpoint_id} if endpoint_id is not None else None
        found = self.store.find(service, tenant, DELIVERIES, where=where, newest_first=True, limit=limit, after=after)
        next_cursor = _encode(found.cursor) if found.cursor is not None else None
        return DeliveryPage([Delivery.from_dict(d) for d in found.items], next_cursor)

    def of_endpoint(self, service: str, tenant: str, endpoint_id: str, *, status: str | None = None) -> Iterator[Delivery]:
        """Every delivery to one endpoint (of ``status`` only, if given), newest first, read in bounded pages."""
        where = {"endpoint_id": endpoint_id} if status is None else {"endpoint_id": endpoint_id, "status": status}
        after = None
        while True:
            found = self.store.find(service, tenant, DELIVERIES, where=where, newest_first=True, limit=_SCAN, after=after)
            yield from (Delivery.from_dict(d) for d in found.items)
            if found.cursor is None:
                return
            after = found.cursor


def _encode(position: str) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR}{position}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(f"malformed cursor {cursor!r}") from None
    position = text.removeprefix(_CURSOR)
    if position == text or not position:
        raise ValueError(f"malformed cursor {cursor!r}")
    return position
