"""``GET /v1/account/services``: the account's live resources across services, computed when asked.

The document says the list aggregates databases, buckets, VPS, DNS zones and IoT devices. Each comes
from the collection its service keeps it in, read as it stands (a VPS brought to its state on the twin
clock first); nothing is stored for the list itself. Resources named rather than numbered (zones,
buckets, databases) get a stable UUID made from their service and name, since ``ServiceItem.id`` is one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.packs.wayscloud import vps_lifecycle

_PER_SERVICE = 500
"""At most this many resources of one service are listed (the operation has no paging)."""


@dataclass(slots=True, frozen=True)
class Source:
    service_type: str
    collection: str
    name_field: str
    status: Callable[[dict[str, Any]], str]
    metadata: Callable[[dict[str, Any]], dict[str, Any]]


def _vps_status(record: dict[str, Any]) -> str:
    return str(record.get("status") or "running")


SOURCES: tuple[Source, ...] = (
    Source("database", "/v1/databases", "db_name", lambda r: "running", lambda r: {"engine": r.get("db_type")}),
    Source("storage", "/v1/storage/buckets", "name", lambda r: "active", lambda r: {}),
    Source("vps", vps_lifecycle.COLLECTION, "hostname", _vps_status,
           lambda r: {"plan_code": r.get("plan_code"), "ipv4": r.get("ipv4_address")}),
    Source("dns", "/v1/dns/zones", "name", lambda r: "active", lambda r: {}),
    Source("iot", "/v1/iot/devices", "name", lambda r: "active", lambda r: {"device_id": r.get("device_id")}),
)


def _stable_id(source: Source, record: dict[str, Any], name: str) -> str:
    found = str(record.get("id") or "")
    try:
        return str(uuid.UUID(found))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"wayscloud:{source.service_type}:{name}"))


def _is_timestamp(value: Any) -> bool:
    # Generic records keep whatever a client sent; only a real timestamp fits ``date-time``.
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def service_items(ctx: RequestContext) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for source in SOURCES:
        for record in ctx.collection(source.collection).find(limit=_PER_SERVICE).items:
            if source.service_type == "vps":
                record = dict(record)
                vps_lifecycle.settle(record, ctx.now, ctx.clock.factor)
            name = str(record.get(source.name_field) or record.get("name") or "")
            item: dict[str, Any] = {
                "id": _stable_id(source, record, name), "service_type": source.service_type, "name": name,
                "status": source.status(record),
                "metadata": {k: v for k, v in source.metadata(record).items() if v is not None},
            }
            if isinstance(record.get("region"), str):
                item["region"] = record["region"]
            if _is_timestamp(record.get("created_at")):
                item["created_at"] = record["created_at"]
            items.append(item)
    return items
