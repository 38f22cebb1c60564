"""Handlers of the catalogue operations (``INSTANCES`` tag): templates, and instance types with capacity."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.bluelobster import capacity, lookup
from twinstack.packs.bluelobster.catalogue import INSTANCE_TYPES, TEMPLATES
from twinstack.packs.bluelobster.task_runner import settle_account


async def list_templates_api_v1_instances_templates_get(ctx: RequestContext) -> dict[str, Any]:
    return {"templates": [t.view() for t in TEMPLATES.values()], "total": len(TEMPLATES)}


async def get_available_instances_api_v1_instances_available_get(ctx: RequestContext) -> dict[str, Any]:
    """Every instance type, with the regions where some host can take one more right now."""
    owner = lookup.account(ctx)
    # The caller's own finished deletions give capacity back before it is counted; other
    # accounts' are settled by their due jobs.
    settle_account(owner)
    left = capacity.left_by_host(owner)
    return {"data": [
        {"id": t.name, "instance_type": t.view(),
         "regions_with_capacity_available": [r.view() for r in capacity.regions_with_capacity(t, left)]}
        for t in INSTANCE_TYPES.values()
    ]}


HANDLERS: dict[str, Handler] = {
    "list_templates_api_v1_instances_templates_get": list_templates_api_v1_instances_templates_get,
    "get_available_instances_api_v1_instances_available_get": get_available_instances_api_v1_instances_available_get,
}
