"""The WAYSCloud region catalogue (public): where each service runs, and what it costs there.

One table for every spelling of a region the document and the clients use: the
catalogue's codes (``oslo``, the document's example), country codes (``no``,
``se``, ``de``, which the path text names) and the zone names seen in other
services (``no-oslo-1``, ``eu-north-1``). Prices are the VPS plan prices, and
the storage and database rates, of the document's pricing example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    country: str
    services: tuple[str, ...]
    status: str = "active"

    def view(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "country": self.country,
                "available_services": list(self.services), "status": self.status}


REGIONS: dict[str, Region] = {r.code: r for r in (
    Region("oslo", "Oslo, Norway", "NO", ("database", "storage", "vps", "dns", "llm")),
    Region("stockholm", "Stockholm, Sweden", "SE", ("storage", "vps", "dns")),
    Region("frankfurt", "Frankfurt, Germany", "DE", ("storage", "vps"), "maintenance"),
)}
_ALIASES = {
    "no": "oslo", "no-oslo-1": "oslo", "eu": "oslo",
    "se": "stockholm", "eu-north-1": "stockholm", "se-sto-1": "stockholm",
    "de": "frankfurt", "eu-central-1": "frankfurt", "de-fra-1": "frankfurt",
}
VPS_PRICES = {"vps-2gb-1cpu": 99, "vps-4gb-2cpu": 199, "vps-8gb-4cpu": 399}
"""NOK per month, as the VPS plan catalogue charges them."""
STORAGE_PER_GB_MONTH = 0.5
DATABASE_PER_GB = {"postgresql_per_gb": 2.5, "mariadb_per_gb": 2.0}


def region(value: str) -> Region | None:
    """The region any of its spellings names (any case), or None."""
    key = value.strip().lower()
    return REGIONS.get(_ALIASES.get(key, key))


def pricing(found: Region) -> dict[str, Any]:
    services: dict[str, Any] = {}
    if "vps" in found.services:
        services["vps"] = dict(VPS_PRICES)
    if "storage" in found.services:
        services["storage"] = {"per_gb_month": STORAGE_PER_GB_MONTH}
    if "database" in found.services:
        services["database"] = dict(DATABASE_PER_GB)
    return {"region": found.code, "currency": "NOK", "services": services}
