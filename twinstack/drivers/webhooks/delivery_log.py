"""The durable delivery log: every delivery with its attempts, listable newest first with a cursor.

Deliveries are resources of ``webhooks:deliveries`` (service and tenant
scoped); each endpoint also has an index collection
``webhooks:deliveries:<endpoint id>`` holding just the ids of its deliveries,
so one endpoint's log pages without reading the others'. Both are written in
the caller's transaction.

Entries are only ever appended, never deleted, and the store orders a
collection by insertion. A cursor therefore records how many entries there
were when the first page was read and how far the reader got; entries added
since push the rest down by exactly their number, so no entry is skipped or
repeated while the log grows under a reader.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from twinstack.drivers.webhooks.records import Delivery, DeliveryPage
from twinstack.store import Store

DELIVERIES = "webhooks:deliveries"
_SCAN = 500


def endpoint_index(endpoint_id: str) -> str:
    return f"{DELIVERIES}:{endpoint_id}"


class DeliveryLog:
    """Reads and writes deliveries; callers group writes in the store's transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, service: str, tenant: str, delivery: Delivery) -> None:
        self.store.put(service, tenant, DELIVERIES, delivery.id, delivery.to_dict(), delivery.created_at)
        index = endpoint_index(delivery.endpoint_id)
        self.store.put(service, tenant, index, delivery.id, {"id": delivery.id}, delivery.created_at)

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

        An unknown ``starting_after`` gives an empty page; a malformed ``cursor``
        raises ``ValueError``.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        collection = endpoint_index(endpoint_id) if endpoint_id is not None else DELIVERIES
        total = self.store.count(service, tenant, collection)
        if cursor is not None:
            then, offset = _decode(cursor)
            offset += max(0, total - then)
        elif starting_after is not None:
            position = self._position(service, tenant, collection, starting_after)
            if position is None:
                return DeliveryPage([], None)
            offset = position + 1
        else:
            offset = 0
        rows = self.store.list(service, tenant, collection, newest_first=True, limit=limit + 1, offset=offset)
        items = [self._load(service, tenant, row) for row in rows[:limit]]
        next_cursor = _encode(total, offset + limit) if len(rows) > limit else None
        return DeliveryPage([d for d in items if d is not None], next_cursor)

    def of_endpoint(self, service: str, tenant: str, endpoint_id: str) -> Iterator[Delivery]:
        """Every delivery to one endpoint, newest first, read in bounded pages."""
        collection = endpoint_index(endpoint_id)
        offset = 0
        while True:
            rows = self.store.list(service, tenant, collection, newest_first=True, limit=_SCAN, offset=offset)
            for row in rows:
                delivery = self.get(service, tenant, str(row["id"]))
                if delivery is not None:
                    yield delivery
            if len(rows) < _SCAN:
                return
            offset += _SCAN

    def _load(self, service: str, tenant: str, row: dict[str, object]) -> Delivery | None:
        if "body" in row:
            return Delivery.from_dict(row)
        return self.get(service, tenant, str(row["id"]))

    def _position(self, service: str, tenant: str, collection: str, delivery_id: str) -> int | None:
        offset = 0
        while True:
            rows = self.store.list(service, tenant, collection, newest_first=True, limit=_SCAN, offset=offset)
            for index, row in enumerate(rows):
                if str(row["id"]) == delivery_id:
                    return offset + index
            if len(rows) < _SCAN:
                return None
            offset += _SCAN


def _encode(total: int, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{total}:{offset}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        total, offset = (int(part) for part in text.split(":"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(f"malformed cursor {cursor!r}") from None
    if total < 0 or offset < 0:
        raise ValueError(f"malformed cursor {cursor!r}")
    return total, offset
