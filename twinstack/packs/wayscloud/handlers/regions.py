"""Regions (public): the static catalogue, filtered by service and status, and its prices per region."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.wayscloud import regions as catalogue


async def list_regions(ctx: RequestContext) -> Any:
    service, status = ctx.query.get("service"), ctx.query.get("status")
    found = [r.view() for r in catalogue.REGIONS.values()
             if (not service or service in r.services) and (not status or r.status == status)]
    return {"regions": found, "total": len(found)}


def _region(ctx: RequestContext) -> catalogue.Region:
    code = str(ctx.path["region_code"])
    found = catalogue.region(code)
    if found is None:
        raise NotFound(f"Region {code} not found", field="region_code")
    return found


async def get_region(ctx: RequestContext) -> Any:
    return _region(ctx).view()


async def get_region_pricing(ctx: RequestContext) -> Any:
    return catalogue.pricing(_region(ctx))


HANDLERS: dict[str, Handler] = {
    "listRegions": list_regions,
    "getRegion": get_region,
    "getRegionPricing": get_region_pricing,
}
