"""Handlers of an instance's addresses (``INSTANCES`` tag): list, assign an additional one, release it."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound, TwinError
from twinstack.packs.bluelobster import instances, ip_pool, lookup


async def list_instance_ips_api_v1_instances__instance_id__ips_get(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    rows = ip_pool.of_instance(owner, instance)
    return {"instance_id": instance["uuid"], "ips": [ip_pool.view(owner, r) for r in rows], "total": len(rows)}


async def assign_instance_ip_api_v1_instances__instance_id__ips_post(ctx: RequestContext) -> dict[str, Any]:
    """An additional address on a new interface, from the region's pool ("Billed at $3.00/month")."""
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    if instance.get("status") != instances.RENTED:
        raise TwinError(f"VM is not in 'rented' status: {instance.get('status')}", code="invalid_state", status=400)
    row = ip_pool.assign(owner, instance)
    if row is None:
        raise TwinError(f"No available IPs in region {instance['region']}", code="no_available_ips", status=400)
    return {"message": "IP assigned successfully", "instance_id": instance["uuid"], "ip": ip_pool.view(owner, row),
            "monthly_cost_cents": ip_pool.EXTRA_IP_CENTS_PER_MONTH}


async def release_instance_ip_api_v1_instances__instance_id__ips__ip_address__delete(ctx: RequestContext) -> dict[str, Any]:
    """Give an additional address back to the pool; the primary (and so the last) one stays."""
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    address = str(ctx.path["ip_address"])
    rows = ip_pool.of_instance(owner, instance)
    row = next((r for r in rows if r["ip_address"] == address), None)
    if row is None:
        raise NotFound(f"IP {address} not found on instance {instance['uuid']}", field="ip_address")
    if row.get("is_primary"):
        # The primary stays until the instance is deleted, so it is also what "the last IP" always is.
        raise TwinError("Cannot release the primary IP", code="cannot_release_ip", status=400, field="ip_address",
                        details={"field": "ip_address"})
    ip_pool.release(owner, address)
    return {"message": "IP released successfully", "instance_id": instance["uuid"], "ip_address": address}


HANDLERS: dict[str, Handler] = {
    "list_instance_ips_api_v1_instances__instance_id__ips_get": list_instance_ips_api_v1_instances__instance_id__ips_get,
    "assign_instance_ip_api_v1_instances__instance_id__ips_post": assign_instance_ip_api_v1_instances__instance_id__ips_post,
    "release_instance_ip_api_v1_instances__instance_id__ips__ip_address__delete":
        release_instance_ip_api_v1_instances__instance_id__ips__ip_address__delete,
}
