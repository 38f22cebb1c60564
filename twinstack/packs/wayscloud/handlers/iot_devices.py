"""IoT devices, tags, groups, profiles, telemetry, credentials, subscription, usage and stats.

Devices are registered with MQTT credentials shown once (``mqtt_username``, ``mqtt_password``,
``mqtt_client_id`` and the broker's address, extras of ``IoTDevice``); everything about connection
and telemetry comes from what the embedded broker saw (``iot.link``). The plan's 50 devices are a
guarded counter: the 51st registration is 403 "Device limit reached". A duplicate ``device_id`` is a
422 naming it (the operation declares no 409). Tags and group members are sent as bare JSON arrays
(the document) or wrapped (``{"tags": [...]}``, ``{"device_ids": [...]}``, the SDK), both accepted.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import TwinError
from twinstack.packs.wayscloud.iot import devices, link, rules, telemetry
from twinstack.packs.wayscloud.iot.model import (
    ALARMS, DEVICES, GROUPS, INDEXES as IOT_INDEXES, MEMBERS, PROFILES, RULE_STATE, Scope, bad, found, key,
    new_id, public,
)
from twinstack.spec.model import Operation

_NO_CONTENT = Reply(None, status=204)
_FORBIDDEN_IN_ID = ("/", "+", "#", "\n")


def _scope(ctx: RequestContext) -> Scope:
    return Scope.of(ctx)


def _page(ctx: RequestContext, default: int, most: int) -> tuple[int, int]:
    page = max(int(ctx.query.get("page") or 1), 1)
    size = min(max(int(ctx.query.get("page_size") or default), 1), most)
    return page, size


# -- devices --------------------------------------------------------------------
async def list_devices(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    page, size = _page(ctx, 20, 100)
    where: dict[str, Any] = {}
    if ctx.query.get("is_active") is not None:
        where["is_active"] = bool(ctx.query["is_active"])
    search = str(ctx.query.get("search") or "").strip().lower()
    col = scope.col(DEVICES)
    if not search:
        total = col.count(**where)
        rows = col.find(where, newest_first=True, limit=size, offset=min((page - 1) * size, 1 << 62)).items
    else:
        # Free-text search reads the devices the indexed filter leaves (at most the plan's limit).
        candidates = col.find(where, newest_first=True, limit=10 * devices.DEVICE_LIMIT).items
        matched = [r for r in candidates if search in str(r.get("name", "")).lower()
                   or search in str(r["device_id"]).lower()]
        total, rows = len(matched), matched[(page - 1) * size: page * size]
    return {"devices": devices.views(scope, rows), "total": total, "page": page, "page_size": size,
            "has_more": page * size < total}


def _check_device_id(raw: Any) -> str:
    device_id = str(raw).strip()
    if not device_id or len(device_id) > 128 or any(c in device_id for c in _FORBIDDEN_IN_ID):
        raise bad("device_id", "Device ID must be 1-128 characters without '/', '+', '#'", raw, "string_pattern_mismatch")
    return device_id


async def register_device(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    device_id = _check_device_id(body["device_id"]) if body.get("device_id") is not None else new_id()
    if scope.col(DEVICES).get(device_id) is not None:
        raise bad("device_id", f"Device {device_id} already exists", device_id)
    if not devices.take_slot(scope):
        raise TwinError("Device limit reached", status=403, details={"detail": "Device limit reached"})
    stamp = scope.iso()
    record: dict[str, Any] = {"device_id": device_id, "name": body["name"], "is_active": True, "tags": [],
                              "connection_status": "disconnected", "created_at": stamp, "updated_at": stamp}
    for name in ("description", "device_type", "metadata"):
        if body.get(name) is not None:
            record[name] = body[name]
    firmware = (body.get("metadata") or {}).get("firmware_version") or (body.get("metadata") or {}).get("firmware")
    if isinstance(firmware, str):
        record["firmware_version"] = firmware
    login = devices.issue_login(scope, device_id)
    record["_mqtt_username"] = login["mqtt_username"]
    if not scope.col(DEVICES).insert(device_id, record):
        devices.free_slot(scope)
        raise bad("device_id", f"Device {device_id} already exists", device_id)
    host, port = link.broker_address(ctx.twin)
    shown = {**devices.view(scope, record), **login,
             "mqtt_broker": {"host": host, "port": port, "protocol": "mqtt"},
             "mqtt_topic": f"devices/{device_id}/telemetry"}
    return Reply(shown, status=201)


async def get_device(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return devices.view(scope, devices.device(scope, str(ctx.path["device_id"])))


async def update_device(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    record = devices.device(scope, str(ctx.path["device_id"]))
    for name, value in dict(ctx.body or {}).items():
        if name not in ("name", "description", "device_type", "metadata", "is_active"):
            continue
        if value is None:
            if name in ("description", "device_type", "metadata"):
                record.pop(name, None)
        else:
            record[name] = value
    record["updated_at"] = scope.iso()
    scope.col(DEVICES).put(str(record["device_id"]), record)
    if record.get("is_active") is False:
        link.disconnect_device(ctx.twin, ctx.tenant, str(record["device_id"]))
    return devices.view(scope, record)


async def delete_device(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    device_id = str(ctx.path["device_id"])
    record = devices.device(scope, device_id)
    devices.drop_login(scope, record)
    for row in scope.col(MEMBERS).find({"device_id": device_id}, limit=1000).items:
        scope.col(MEMBERS).delete(key(str(row["group_id"]), device_id))
    for row in scope.col(RULE_STATE).find({"device_id": device_id}, limit=1000).items:
        scope.col(RULE_STATE).delete(key(str(row["rule_id"]), device_id))
    telemetry.forget_device(scope, device_id)
    scope.col(DEVICES).delete(device_id)
    devices.free_slot(scope)
    link.disconnect_device(ctx.twin, ctx.tenant, device_id)
    return _NO_CONTENT


async def get_device_health(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    record = devices.device(scope, str(ctx.path["device_id"]))
    open_alarms = [a for status in ("active", "acknowledged") for a in scope.col(ALARMS).find(
        {"device_id": record["device_id"], "status": status}, limit=200).items]
    burden = {sev: sum(1 for a in open_alarms if a.get("severity") == sev) for sev in ("critical", "warning", "info")}
    interval = None
    if record.get("profile_id"):
        profile = scope.col(PROFILES).get(str(record["profile_id"])) or {}
        interval = profile.get("reporting_interval_seconds")
    health = devices.health(scope, record, burden, float(interval) if interval else None)
    if health["health_status"] not in ("offline", "unknown") and any(a.get("_marks_unhealthy") for a in open_alarms):
        # A rule with the mark_unhealthy action holds the device unhealthy while its alarm is open.
        health["health_status"] = health["status"] = "unhealthy"
    return health


# -- tags -------------------------------------------------------------------------
async def list_device_tags(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"tags": list(devices.device(scope, str(ctx.path["device_id"])).get("tags") or [])}


async def add_device_tags(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    record = devices.device(scope, str(ctx.path["device_id"]))
    wanted = list(ctx.body or [])
    for i, tag in enumerate(wanted):
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 64:
            raise bad(str(i), "A tag is 1-64 characters", tag)
    tags = list(record.get("tags") or [])
    added = [t for t in dict.fromkeys(t.strip() for t in wanted) if t not in tags]
    if len(tags) + len(added) > 50:
        raise bad("0", "A device has at most 50 tags")
    record["tags"] = tags + added
    record["updated_at"] = scope.iso()
    scope.col(DEVICES).put(str(record["device_id"]), record)
    return {"added": added}


async def remove_device_tag(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    record = devices.device(scope, str(ctx.path["device_id"]))
    tag = str(ctx.path["tag"])
    tags = list(record.get("tags") or [])
    if tag not in tags:
        raise TwinError("Tag not found", status=404, field="tag", details={"detail": "Tag not found"})
    record["tags"] = [t for t in tags if t != tag]
    scope.col(DEVICES).put(str(record["device_id"]), record)
    return _NO_CONTENT


# -- telemetry ---------------------------------------------------------------------
async def get_device_telemetry(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    device_id = str(devices.device(scope, str(ctx.path["device_id"]))["device_id"])
    hours = int(ctx.query.get("hours") or 24)
    return telemetry.history(scope, device_id, ctx.query.get("datapoint_id") or None, hours)


async def get_device_telemetry_latest(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return telemetry.latest(scope, str(devices.device(scope, str(ctx.path["device_id"]))["device_id"]))


# -- groups --------------------------------------------------------------------------
def _group(scope: Scope, group_id: str) -> dict[str, Any]:
    return found(scope.col(GROUPS).get(group_id), "Group", group_id, "group_id")


def _group_view(scope: Scope, group: dict[str, Any]) -> dict[str, Any]:
    return {**public(group), "device_count": scope.col(MEMBERS).count(group_id=group["id"])}


async def list_groups(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"groups": [_group_view(scope, g) for g in scope.col(GROUPS).find(limit=500).items]}


async def create_group(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    stamp = scope.iso()
    group: dict[str, Any] = {"id": new_id(), "name": body["name"], "created_at": stamp, "updated_at": stamp}
    if body.get("description") is not None:
        group["description"] = body["description"]
    scope.col(GROUPS).put(group["id"], group)
    return Reply(_group_view(scope, group), status=201)


async def get_group(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return _group_view(scope, _group(scope, str(ctx.path["group_id"])))


async def update_group(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    group = _group(scope, str(ctx.path["group_id"]))
    for name in ("name", "description"):
        if (ctx.body or {}).get(name) is not None:
            group[name] = ctx.body[name]
    group["updated_at"] = scope.iso()
    scope.col(GROUPS).put(group["id"], group)
    return _group_view(scope, group)


async def delete_group(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    group = _group(scope, str(ctx.path["group_id"]))
    for row in scope.col(MEMBERS).find({"group_id": group["id"]}, limit=10000).items:
        scope.col(MEMBERS).delete(key(str(group["id"]), str(row["device_id"])))
    scope.col(GROUPS).delete(str(group["id"]))
    return _NO_CONTENT


async def add_devices_to_group(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    group = _group(scope, str(ctx.path["group_id"]))
    wanted = list(dict.fromkeys(str(d) for d in ctx.body or []))
    known = scope.col(DEVICES).get_many(wanted)
    added = [d for d in wanted if d in known and scope.col(MEMBERS).insert(
        key(str(group["id"]), d), {"group_id": group["id"], "device_id": d})]
    return {"count": len(added), "added": added}


async def remove_device_from_group(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    group = _group(scope, str(ctx.path["group_id"]))
    if not scope.col(MEMBERS).delete(key(str(group["id"]), str(ctx.path["device_id"]))):
        raise TwinError("Device is not in this group", status=404, field="device_id",
                        details={"detail": "Device is not in this group"})
    return _NO_CONTENT


# -- profiles ------------------------------------------------------------------------
_PROFILE_FIELDS = ("name", "description", "expected_topics", "reporting_interval_seconds", "metadata")


def _profile(scope: Scope, profile_id: str) -> dict[str, Any]:
    return found(scope.col(PROFILES).get(profile_id), "Profile", profile_id, "profile_id")


async def list_profiles(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"profiles": [public(p) for p in scope.col(PROFILES).find(limit=500).items]}


async def create_profile(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    stamp = scope.iso()
    profile: dict[str, Any] = {"id": new_id(), "created_at": stamp, "updated_at": stamp}
    profile.update({f: body[f] for f in _PROFILE_FIELDS if body.get(f) is not None})
    scope.col(PROFILES).put(profile["id"], profile)
    return Reply(public(profile), status=201)


async def get_profile(ctx: RequestContext) -> Any:
    return public(_profile(_scope(ctx), str(ctx.path["profile_id"])))


async def update_profile(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    profile = _profile(scope, str(ctx.path["profile_id"]))
    for name in _PROFILE_FIELDS:
        if name in (ctx.body or {}):
            value = ctx.body[name]
            if value is not None:
                profile[name] = value
            elif name != "name":
                profile.pop(name, None)
    profile["updated_at"] = scope.iso()
    scope.col(PROFILES).put(profile["id"], profile)
    return public(profile)


async def delete_profile(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    profile = _profile(scope, str(ctx.path["profile_id"]))
    for record in scope.col(DEVICES).find({"profile_id": profile["id"]}, limit=10000).items:
        record.pop("profile_id", None)
        scope.col(DEVICES).put(str(record["device_id"]), record)
    scope.col(PROFILES).delete(str(profile["id"]))
    return _NO_CONTENT


async def apply_profile_to_device(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    profile = _profile(scope, str(ctx.path["profile_id"]))
    record = devices.device(scope, str(ctx.path["device_id"]))
    record["profile_id"] = profile["id"]
    record["updated_at"] = scope.iso()
    scope.col(DEVICES).put(str(record["device_id"]), record)
    return {"profile_id": profile["id"], "device_id": record["device_id"], "applied": True}


# -- account-wide views ----------------------------------------------------------------
async def get_mqtt_credentials(ctx: RequestContext) -> Any:
    host, port = link.broker_address(ctx.twin)
    return {"mqtt_broker": {"host": host, "port": port, "protocol": "mqtt"}, "broker": host, "port": port,
            "protocol": "mqtt", "telemetry_topic": "devices/{device_id}/telemetry"}


async def get_subscription(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    out: dict[str, Any] = {"plan": devices.PLAN, "status": "active", "device_limit": devices.DEVICE_LIMIT,
                           "device_count": scope.col(DEVICES).count()}
    tenant = ctx.store.get_tenant(ctx.tenant) or {}
    if isinstance(tenant.get("created_at"), (int, float)):
        out["created_at"] = ctx.clock.iso(float(tenant["created_at"]))
    return out


async def get_usage(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"messages_today": devices.tenant_day(scope, "messages"),
            "messages_this_month": devices.tenant_month(scope, "messages"),
            "data_points_today": devices.tenant_day(scope, "points"),
            "data_points_this_month": devices.tenant_month(scope, "points")}


async def get_stats(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    col = scope.col(DEVICES)
    return {"total_devices": col.count(), "active_devices": col.count(is_active=True),
            "connected_now": col.count(connection_status="connected"),
            "messages_24h": devices.tenant_24h(scope, "m"), "data_points_24h": devices.tenant_24h(scope, "p"),
            "active_alarms": sum(scope.col(ALARMS).count(status=s) for s in ("active", "acknowledged"))}


def adapt_body(op: Operation, body: Any) -> Any:
    """The SDK wraps the arrays the document sends bare: ``{"tags": [...]}``, ``{"device_ids": [...]}``."""
    wrapped = {"add_device_tags_v1_iot_devices__device_id__tags_post": "tags",
               "add_devices_to_group_v1_iot_groups__group_id__devices_post": "device_ids"}.get(op.operation_id)
    if wrapped and isinstance(body, dict) and isinstance(body.get(wrapped), list):
        return body[wrapped]
    return body


HANDLERS: dict[str, Handler] = {
    "list_devices_v1_iot_devices_get": list_devices,
    "register_device_v1_iot_devices_post": register_device,
    "get_device_v1_iot_devices__device_id__get": get_device,
    "update_device_v1_iot_devices__device_id__patch": update_device,
    "delete_device_v1_iot_devices__device_id__delete": delete_device,
    "get_device_health_v1_iot_devices__device_id__health_get": get_device_health,
    "list_device_tags_v1_iot_devices__device_id__tags_get": list_device_tags,
    "add_device_tags_v1_iot_devices__device_id__tags_post": add_device_tags,
    "remove_device_tag_v1_iot_devices__device_id__tags__tag__delete": remove_device_tag,
    "get_device_telemetry_v1_iot_devices__device_id__telemetry_get": get_device_telemetry,
    "get_device_telemetry_latest_v1_iot_devices__device_id__telemetry_latest_get": get_device_telemetry_latest,
    "list_groups_v1_iot_groups_get": list_groups,
    "create_group_v1_iot_groups_post": create_group,
    "get_group_v1_iot_groups__group_id__get": get_group,
    "update_group_v1_iot_groups__group_id__put": update_group,
    "delete_group_v1_iot_groups__group_id__delete": delete_group,
    "add_devices_to_group_v1_iot_groups__group_id__devices_post": add_devices_to_group,
    "remove_device_from_group_v1_iot_groups__group_id__devices__device_id__delete": remove_device_from_group,
    "list_profiles_v1_iot_profiles_get": list_profiles,
    "create_profile_v1_iot_profiles_post": create_profile,
    "get_profile_v1_iot_profiles__profile_id__get": get_profile,
    "update_profile_v1_iot_profiles__profile_id__put": update_profile,
    "delete_profile_v1_iot_profiles__profile_id__delete": delete_profile,
    "apply_profile_to_device_v1_iot_profiles__profile_id__apply__device_id__post": apply_profile_to_device,
    "get_mqtt_credentials_v1_iot_credentials_get": get_mqtt_credentials,
    "get_subscription_v1_iot_subscription_get": get_subscription,
    "get_usage_v1_iot_usage_get": get_usage,
    "get_stats_v1_iot_stats_get": get_stats,
}

INDEXES = IOT_INDEXES
"""What the IoT modules look state up by (``iot.model``)."""
JOBS = {rules.WATCH: rules.watch}
ENDPOINTS = (link.ENDPOINT,)
ON_RESET = (link.release,)
ON_START = (link.prepare,)
BODY_ADAPTERS = (adapt_body,)
