"""Handlers of the ``FIREWALL`` tag: options, and rules by 0-based position (roles: ``permissions.RULES``)."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.bluelobster import firewall, instances, lookup
from twinstack.packs.bluelobster.records import Record


def _save(ctx: RequestContext, instance: Record, rules: Record) -> None:
    instance["_firewall"] = rules
    instances.save(lookup.account(ctx), instance)


async def get_instance_firewall_api_v1_instances__instance_id__firewall_get(ctx: RequestContext) -> dict[str, Any]:
    return firewall.status(firewall.of(lookup.instance(ctx)))


async def update_instance_firewall_api_v1_instances__instance_id__firewall_put(ctx: RequestContext) -> dict[str, Any]:
    instance = lookup.instance(ctx)
    updated = firewall.set_options(firewall.of(instance), ctx.body or {})
    _save(ctx, instance, updated)
    return {"status": "success", "message": "Firewall options updated", "firewall": firewall.status(updated)}


async def add_firewall_rule_api_v1_instances__instance_id__firewall_rules_post(ctx: RequestContext) -> dict[str, Any]:
    instance = lookup.instance(ctx)
    current = firewall.of(instance)
    current["rules"].append(firewall.new_rule(ctx.body))
    _save(ctx, instance, current)
    return {"status": "success", "message": "Firewall rule added",
            "rule": firewall.rule_view(current, len(current["rules"]) - 1)}


async def get_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__get(ctx: RequestContext) -> dict[str, Any]:
    return firewall.rule_view(firewall.of(lookup.instance(ctx)), int(ctx.path["pos"]))


async def delete_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__delete(
        ctx: RequestContext) -> dict[str, Any]:
    """Deletes the rule at ``pos``; the later rules move up one position."""
    instance = lookup.instance(ctx)
    current = firewall.of(instance)
    pos = int(ctx.path["pos"])
    firewall.rule_view(current, pos)
    del current["rules"][pos]
    _save(ctx, instance, current)
    return {"status": "success", "message": f"Firewall rule at position {pos} deleted"}


HANDLERS: dict[str, Handler] = {
    "get_instance_firewall_api_v1_instances__instance_id__firewall_get":
        get_instance_firewall_api_v1_instances__instance_id__firewall_get,
    "update_instance_firewall_api_v1_instances__instance_id__firewall_put":
        update_instance_firewall_api_v1_instances__instance_id__firewall_put,
    "add_firewall_rule_api_v1_instances__instance_id__firewall_rules_post":
        add_firewall_rule_api_v1_instances__instance_id__firewall_rules_post,
    "get_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__get":
        get_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__get,
    "delete_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__delete":
        delete_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__delete,
}
