"""VPS: catalogues, create with its checks, power actions on the twin clock, update, upgrade, firewall, delete.

A VPS is created ``provisioning`` with addresses from the regional pool
(``vps_network``) and its hostname reserved in the tenant's ``vps-hostnames``
(an insert only one create can win: a second VPS with the same hostname is
409). Its state is derived on each read (``vps_lifecycle``). Deleting it
removes its snapshots, backups, policy job and firewall rules, so every path
under it answers 404 afterwards.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.state import Collection
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud import backups, snapshots, ssh_keys, vps_lifecycle, vps_network
from twinstack.packs.wayscloud.vps_catalogue import (ADDONS, PLANS, REGIONS, TEMPLATES, WINDOWS_MIN_RAM_GB,
                                                     region_id)

HOSTNAMES = "vps-hostnames"
"""A tenant's hostnames in use, keyed by the lower-case hostname."""
INDEXES: dict[str, tuple[str, ...]] = {vps_lifecycle.COLLECTION: ("status", "region")}


def vpses(ctx: RequestContext) -> Collection:
    return ctx.collection(vps_lifecycle.COLLECTION)


def current(ctx: RequestContext, vps_id: str | None = None) -> dict[str, Any]:
    """The caller's VPS named by the path, as it is now; 404 "VPS not found" otherwise."""
    wanted = str(ctx.path.get("vps_id", "")) if vps_id is None else vps_id
    vps = vps_lifecycle.load(vpses(ctx), wanted, ctx.now, ctx.clock.factor)
    if vps is None:
        raise NotFound("VPS not found", field="path.vps_id")
    return vps


def save(ctx: RequestContext, vps: dict[str, Any]) -> None:
    vpses(ctx).put(str(vps["id"]), vps)


async def list_plans(ctx: RequestContext) -> Any:
    return [plan.view() for plan in PLANS.values()]


async def list_plans_by_region(ctx: RequestContext) -> Any:
    if region_id(str(ctx.path.get("region", ""))) is None:
        raise NotFound("Region not found", details={"detail": "Region not found. See GET /v1/vps/regions"})
    return [plan.view() for plan in PLANS.values()]


async def list_templates(ctx: RequestContext) -> Any:
    return [template.view() for template in TEMPLATES.values()]


async def list_regions(ctx: RequestContext) -> Any:
    return [region.view() for region in REGIONS.values()]


async def list_addons(ctx: RequestContext) -> Any:
    region = ctx.query.get("region")
    if region and region_id(str(region)) is None:
        return []
    return [dict(addon) for addon in ADDONS]


def _bad(field: str, listing: str) -> TwinError:
    return TwinError(f"Invalid {field}", status=400, field=f"body.{field}",
                     details={"detail": f"Invalid {field}. See GET {listing} for available options"})


async def create_vps(ctx: RequestContext) -> Any:
    body: dict[str, Any] = dict(ctx.body or {})
    hostname = str(body.get("hostname", "")).strip()
    if not hostname:
        raise TwinError("hostname must not be empty", status=400, field="body.hostname")
    plan = PLANS.get(str(body.get("plan_code", "")))
    if plan is None:
        raise _bad("plan_code", "/v1/vps/plans")
    region = region_id(str(body.get("region", "")))
    if region is None:
        raise _bad("region", "/v1/vps/regions")
    template = TEMPLATES.get(str(body.get("os_template", "")))
    if template is None:
        raise _bad("os_template", "/v1/vps/os-templates")
    if template.is_windows and plan.ram_gb < WINDOWS_MIN_RAM_GB:
        raise TwinError("Windows needs a plan with at least 4 GB RAM", status=400, field="body.plan_code",
                        details={"detail": f"Invalid plan_code. {template.name} needs at least "
                                           f"{WINDOWS_MIN_RAM_GB} GB RAM; see GET /v1/vps/plans"})
    vps_id = str(uuid.uuid4())
    names = ctx.collection(HOSTNAMES)
    if not names.insert(hostname.lower(), {"vps_id": vps_id}):
        raise Conflict("Hostname in use", field="body.hostname",
                       details={"detail": "Hostname already in use by another VPS"})
    addresses = vps_network.allocate(ctx.store, region)
    if addresses is None:
        names.delete(hostname.lower())
        raise Conflict("No address left", details={"detail": f"No free IP address in region {region}"})
    vps: dict[str, Any] = {
        "id": vps_id, "hostname": hostname, "display_name": str(body.get("display_name") or hostname),
        "plan_code": plan.code, "region": region, "os_template": template.id,
        "ipv4_address": addresses.ipv4, "ipv6_address": addresses.ipv6, "vcpus": plan.vcpus,
        "memory_gb": plan.ram_gb, "disk_gb": plan.storage_gb, "created_at": ctx.clock.iso(),
        "ssh_keys": [str(key) for key in body.get("ssh_keys") or []], "tags": [], "labels": {},
        "_disk": {"generation": 1, "usage": 10.0}, "_firewall": [],
    }
    vps_lifecycle.begin(vps, vps_lifecycle.PROVISION, ctx.now)
    save(ctx, vps)
    ssh_keys.note_vps_keys(ctx.twin, ctx.tenant, vps["ssh_keys"])
    return Reply({"id": vps_id, "hostname": hostname, "status": vps["status"], "ipv4": addresses.ipv4,
                  "ipv6": addresses.ipv6, "plan_code": plan.code, "region": region,
                  "display_name": vps["display_name"]}, status=201)


async def list_vps(ctx: RequestContext) -> Any:
    where: dict[str, Any] = {}
    status = ctx.query.get("status") or _raw(ctx, "status")
    region = ctx.query.get("region") or _raw(ctx, "region")
    if region:
        where["region"] = region_id(str(region)) or str(region)
    if status:
        where["status"] = list(vps_lifecycle.STATES_BEFORE.get(str(status), (str(status),)))
    collection = vpses(ctx)
    shown = []
    for vps in collection.find(where or None).items:
        if vps_lifecycle.settle(vps, ctx.now, ctx.clock.factor):
            collection.put(str(vps["id"]), vps)
        if not status or vps["status"] == status:
            shown.append(vps_lifecycle.view(vps))
    return {"instances": shown, "vps_instances": shown, "total": len(shown)}


def _raw(ctx: RequestContext, name: str) -> str | None:
    # listVps declares no query parameters; the SDK's filters arrive undeclared.
    return next((value for key, value in ctx.raw_query if key == name and value), None)


async def get_vps(ctx: RequestContext) -> Any:
    return vps_lifecycle.view(current(ctx))


async def get_status(ctx: RequestContext) -> Any:
    return vps_lifecycle.status_view(current(ctx), ctx.now)


def _action(name: str) -> Handler:
    action = vps_lifecycle.ACTIONS[name]

    async def run(ctx: RequestContext) -> Any:
        vps = current(ctx)
        if vps["status"] not in action.allowed_from:
            return {"success": False, "action": name,
                    "message": f"Cannot {name} a VPS that is {vps['status']}"}
        vps_lifecycle.begin(vps, action.run, ctx.now)
        save(ctx, vps)
        return {"success": True, "action": name, "message": action.message}

    return run


async def update_vps(ctx: RequestContext) -> Any:
    vps = current(ctx)
    body: dict[str, Any] = dict(ctx.body or {})
    for field in ("display_name", "tags", "labels"):
        if body.get(field) is not None:
            vps[field] = body[field]
    save(ctx, vps)
    return vps_lifecycle.view(vps)


async def upgrade_vps(ctx: RequestContext) -> Any:
    vps = current(ctx)
    plan = PLANS.get(str((ctx.body or {}).get("new_plan_code", "")))
    if plan is None:
        raise _bad("new_plan_code", "/v1/vps/plans")
    if plan.code == vps["plan_code"]:
        return {"success": False, "action": "upgrade", "message": f"VPS is already on {plan.code}"}
    vps.update(plan_code=plan.code, vcpus=plan.vcpus, memory_gb=plan.ram_gb, disk_gb=plan.storage_gb)
    save(ctx, vps)
    return {"success": True, "action": "upgrade", "message": f"VPS plan changed to {plan.code}"}


async def delete_vps(ctx: RequestContext) -> Any:
    vps = current(ctx)
    vps_id = str(vps["id"])
    with ctx.store.transaction():
        shots = ctx.collection(snapshots.COLLECTION)
        for snapshot in snapshots.of_vps(shots, vps_id):
            shots.delete(snapshots.key(vps_id, str(snapshot["snapshot_name"])))
        kept = ctx.collection(backups.COLLECTION)
        for backup in backups.of_vps(kept, vps_id):
            kept.delete(str(backup["backup_id"]))
        ctx.collection(HOSTNAMES).delete(str(vps["hostname"]).lower())
        vpses(ctx).delete(vps_id)
    ctx.twin.scheduler.cancel(backups.job_id(vps_id))
    return {"success": True, "action": "delete", "message": "VPS deleted"}


async def list_firewall(ctx: RequestContext) -> Any:
    vps = current(ctx)
    return {"vps_id": vps["id"], "rules": list(vps.get("_firewall") or [])}


async def add_firewall_rule(ctx: RequestContext) -> Any:
    vps = current(ctx)
    body: dict[str, Any] = dict(ctx.body or {})
    source = str(body.get("source") or "0.0.0.0/0")
    try:
        source = str(ipaddress.ip_network(source, strict=False))
    except ValueError:
        raise TwinError("source must be a CIDR", status=400, field="body.source",
                        details={"detail": "body.source: Value should be an IPv4 or IPv6 network (CIDR)"}) from None
    rule = {"id": f"fw-{uuid.uuid4()}", "port": int(body["port"]), "protocol": str(body.get("protocol") or "tcp"),
            "source": source, "created_at": ctx.clock.iso()}
    rules = list(vps.get("_firewall") or [])
    if any(r["port"] == rule["port"] and r["protocol"] == rule["protocol"] and r["source"] == source for r in rules):
        raise Conflict("Rule exists", details={"detail": "An identical firewall rule already exists"})
    vps["_firewall"] = [*rules, rule]
    save(ctx, vps)
    return Reply(rule, status=201)


async def remove_firewall_rule(ctx: RequestContext) -> Any:
    vps = current(ctx)
    wanted = str(ctx.path.get("rule_id", ""))
    rules = list(vps.get("_firewall") or [])
    kept = [r for r in rules if r["id"] != wanted]
    if len(kept) == len(rules):
        raise NotFound("Firewall rule not found", details={"detail": "Firewall rule not found"})
    vps["_firewall"] = kept
    save(ctx, vps)
    return {"success": True, "action": "firewall_remove", "message": "Firewall rule removed"}


HANDLERS: dict[str, Handler] = {
    "listVps": list_vps,
    "createVps": create_vps,
    "listVpsPlans": list_plans,
    "listVpsOsTemplates": list_templates,
    "listVpsRegions": list_regions,
    "getVps": get_vps,
    "getVpsStatus": get_status,
    "startVps": _action("start"),
    "stopVps": _action("stop"),
    "rebootVps": _action("reboot"),
    "deleteVps": delete_vps,
    "updateVps": update_vps,
    "upgradeVps": upgrade_vps,
    "listVpsPlansByRegion": list_plans_by_region,
    "listVpsAddons": list_addons,
    "listVpsFirewallRules": list_firewall,
    "createVpsFirewallRule": add_firewall_rule,
    "deleteVpsFirewallRule": remove_firewall_rule,
}
