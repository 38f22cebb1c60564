"""IoT notification channels, policies and the delivery log (behaviour in ``iot.notify``).

Channel names are unique per account, without regard to case (409; 422 naming ``name`` on an update,
which declares no 409). A webhook, Slack or Teams channel
is an endpoint of the shared delivery engine; its ``config.secret`` (the HMAC key of
``X-WAYSCloud-Signature``) is write-only and shown as ``secret_configured``; a webhook channel created
without one gets a generated ``whsec_`` secret, shown in the create answer only. A policy's channels must
exist (422 naming ``channel_ids.<i>``); ``severity_filter``, ``event_types`` and ``scope_type`` are
checked against their words. The delivery filter takes the document's ``queued|delivered|failed`` and
the filter description's ``pending``/``sent`` for the same states (``skipped`` matches none).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.drivers.webhooks import new_secret
from twinstack.engine.pack import Handler
from twinstack.errors import Conflict
from twinstack.packs.wayscloud.iot import notify
from twinstack.packs.wayscloud.iot.model import (
    CHANNEL_NAMES, CHANNELS, DELIVERIES, MAX_RULES, POLICIES, Scope, bad, check_choice, found, new_id, parse_time,
    public,
)
from twinstack.packs.wayscloud.iot.rules import SCOPES, SEVERITIES

_NO_CONTENT = Reply(None, status=204)
_STATUS_WORDS = {"queued": "queued", "pending": "queued", "delivered": "delivered", "sent": "delivered",
                 "failed": "failed"}
_POLICY_FIELDS = ("name", "description", "severity_filter", "event_types", "channel_ids", "cooldown_seconds",
                  "is_enabled")


def _scope(ctx: RequestContext) -> Scope:
    return Scope.of(ctx)


# -- channels ----------------------------------------------------------------------
def _channel(scope: Scope, channel_id: str) -> dict[str, Any]:
    return found(scope.col(CHANNELS).get(channel_id), "Channel", channel_id, "channel_id")


def _take_name(scope: Scope, name: str, channel_id: str, *, renaming: bool = False) -> None:
    if not scope.col(CHANNEL_NAMES).insert(name.casefold(), {"channel_id": channel_id}):
        if renaming:
            # The update declares no 409: the taken name is a bad value of the field.
            raise bad("name", f"A channel named {name!r} already exists", name)
        raise Conflict(f"A channel named {name!r} already exists", field="name",
                       details={"detail": f"A channel named {name!r} already exists"})


def _open(scope: Scope, channel: dict[str, Any], config: dict[str, Any]) -> str | None:
    """Keep the channel's config (its secret apart) and open its endpoint; a secret made for it, if any."""
    secret = config.pop("secret", None)
    made = None
    if isinstance(secret, str) and secret:
        channel["_secret"] = secret
    elif channel["channel_type"] == "webhook" and not channel.get("_secret"):
        made = channel["_secret"] = new_secret()
    channel["config"] = config
    if channel["channel_type"] in notify.POSTED:
        with_secret = {**config, **({"secret": channel["_secret"]} if channel.get("_secret") else {})}
        channel["_endpoint_id"] = notify.open_endpoint(scope, str(channel["id"]), with_secret)
    return made


async def list_notification_channels(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"channels": [notify.channel_view(c) for c in scope.col(CHANNELS).find(limit=MAX_RULES).items]}


async def create_notification_channel(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    check_choice("channel_type", body.get("channel_type"), notify.CHANNEL_TYPES)
    config = dict(body.get("config") or {})
    notify.check_config(str(body["channel_type"]), config)
    if scope.col(CHANNELS).count() >= MAX_RULES:
        raise bad("name", f"An account has at most {MAX_RULES} channels")
    channel: dict[str, Any] = {"id": new_id(), "name": body["name"], "channel_type": body["channel_type"],
                               "is_enabled": body.get("is_enabled", True), "created_at": scope.iso()}
    _take_name(scope, str(body["name"]), channel["id"])
    made = _open(scope, channel, config)
    scope.col(CHANNELS).put(channel["id"], channel)
    shown = notify.channel_view(channel)
    if made is not None:
        # A webhook channel created without a secret gets one, shown in this answer only.
        shown["config"]["secret"] = made
    return Reply(shown, status=201)


async def get_notification_channel(ctx: RequestContext) -> Any:
    return notify.channel_view(_channel(_scope(ctx), str(ctx.path["channel_id"])))


async def update_notification_channel(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    channel = _channel(scope, str(ctx.path["channel_id"]))
    body = dict(ctx.body or {})
    name = body.get("name")
    if name is not None and str(name).casefold() != str(channel["name"]).casefold():
        _take_name(scope, str(name), str(channel["id"]), renaming=True)
        scope.col(CHANNEL_NAMES).delete(str(channel["name"]).casefold())
    if name is not None:
        channel["name"] = name
    if body.get("config") is not None:
        config = dict(body["config"])
        notify.check_config(str(channel["channel_type"]), config)
        notify.close_endpoint(scope, channel)
        _open(scope, channel, config)
    if body.get("is_enabled") is not None:
        channel["is_enabled"] = body["is_enabled"]
    scope.col(CHANNELS).put(str(channel["id"]), channel)
    return notify.channel_view(channel)


async def delete_notification_channel(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    channel = _channel(scope, str(ctx.path["channel_id"]))
    notify.close_endpoint(scope, channel)
    scope.col(CHANNEL_NAMES).delete(str(channel["name"]).casefold())
    scope.col(CHANNELS).delete(str(channel["id"]))
    return _NO_CONTENT


async def test_notification_channel(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return await notify.test(scope, _channel(scope, str(ctx.path["channel_id"])))


# -- policies ----------------------------------------------------------------------
def _policy(scope: Scope, policy_id: str) -> dict[str, Any]:
    return found(scope.col(POLICIES).get(policy_id), "Policy", policy_id, "policy_id")


def _check_policy(scope: Scope, body: dict[str, Any]) -> None:
    for i, severity in enumerate(body.get("severity_filter") or []):
        check_choice(f"severity_filter.{i}", severity, SEVERITIES)
    notify.check_events("event_types", list(body.get("event_types") or []))
    if body.get("scope_type") is not None:
        check_choice("scope_type", body["scope_type"], SCOPES)
    channel_ids = [str(c) for c in body.get("channel_ids") or []]
    known = scope.col(CHANNELS).get_many(channel_ids)
    for i, channel_id in enumerate(channel_ids):
        if channel_id not in known:
            raise bad(f"channel_ids.{i}", f"Channel {channel_id} not found", channel_id)
    if body.get("channel_ids") is not None and not channel_ids:
        raise bad("channel_ids", "A policy needs at least one channel", [], "too_short")


def _policy_view(policy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in public(policy).items() if v is not None}


async def list_notification_policies(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"policies": [_policy_view(p) for p in scope.col(POLICIES).find(limit=MAX_RULES).items]}


async def create_notification_policy(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    _check_policy(scope, body)
    if scope.col(POLICIES).count() >= MAX_RULES:
        raise bad("name", f"An account has at most {MAX_RULES} policies")
    policy: dict[str, Any] = {
        "id": new_id(), "name": body["name"], "severity_filter": list(body.get("severity_filter")
                                                                      or ["critical", "warning", "info"]),
        "event_types": list(body.get("event_types") or ["triggered"]), "channel_ids": list(body["channel_ids"]),
        "cooldown_seconds": body.get("cooldown_seconds", 300), "is_enabled": body.get("is_enabled", True),
        "scope_type": body.get("scope_type") or "fleet", "created_at": scope.iso(),
    }
    for name in ("description", "rule_ids", "scope_ids"):
        if body.get(name) is not None:
            policy[name] = body[name]
    scope.col(POLICIES).put(policy["id"], policy)
    return Reply(_policy_view(policy), status=201)


async def get_notification_policy(ctx: RequestContext) -> Any:
    return _policy_view(_policy(_scope(ctx), str(ctx.path["policy_id"])))


async def update_notification_policy(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    policy = _policy(scope, str(ctx.path["policy_id"]))
    body = dict(ctx.body or {})
    _check_policy(scope, body)
    for name in _POLICY_FIELDS:
        if body.get(name) is not None:
            policy[name] = body[name]
        elif name == "description" and name in body:
            policy.pop(name, None)
    scope.col(POLICIES).put(str(policy["id"]), policy)
    return _policy_view(policy)


async def delete_notification_policy(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    policy = _policy(scope, str(ctx.path["policy_id"]))
    scope.col(POLICIES).delete(str(policy["id"]))
    return _NO_CONTENT


# -- deliveries ---------------------------------------------------------------------
_DELIVERY_SHOWN = ("id", "channel_type", "status", "alarm_id", "sent_at", "error_message", "channel_id",
                   "policy_id", "event_type", "created_at", "attempts")


async def list_notification_deliveries(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    limit = min(max(int(ctx.query.get("limit") or 50), 1), 200)
    offset = max(int(ctx.query.get("offset") or 0), 0)
    where: dict[str, Any] = {}
    if ctx.query.get("channel_type"):
        where["channel_type"] = str(ctx.query["channel_type"])
    wanted = ctx.query.get("status")
    if wanted:
        where["status"] = _STATUS_WORDS.get(str(wanted), "-none-")
    col = scope.col(DELIVERIES)
    after_raw = ctx.query.get("created_after")
    if after_raw:
        after = parse_time(after_raw)
        if after is None:
            raise bad("created_after", "Input should be an ISO 8601 datetime", after_raw, "datetime_parsing")
        # Newest first, so the deliveries after the instant are a prefix of the log (bounded read).
        recent = col.find(where or None, newest_first=True, limit=1000).items
        rows = [r for r in recent if (parse_time(r.get("created_at")) or 0) > after]
        total, page = len(rows), rows[offset: offset + limit]
    else:
        total = col.count(**where)
        page = col.find(where or None, newest_first=True, limit=limit, offset=min(offset, 1 << 62)).items
    return {"deliveries": [{f: r[f] for f in _DELIVERY_SHOWN if r.get(f) is not None} for r in page],
            "total": total, "limit": limit, "offset": offset}


HANDLERS: dict[str, Handler] = {
    "list_notification_channels_v1_iot_notifications_channels_get": list_notification_channels,
    "create_notification_channel_v1_iot_notifications_channels_post": create_notification_channel,
    "get_notification_channel_v1_iot_notifications_channels__channel_id__get": get_notification_channel,
    "update_notification_channel_v1_iot_notifications_channels__channel_id__put": update_notification_channel,
    "delete_notification_channel_v1_iot_notifications_channels__channel_id__delete": delete_notification_channel,
    "test_notification_channel_v1_iot_notifications_channels__channel_id__test_post": test_notification_channel,
    "list_notification_policies_v1_iot_notifications_policies_get": list_notification_policies,
    "create_notification_policy_v1_iot_notifications_policies_post": create_notification_policy,
    "get_notification_policy_v1_iot_notifications_policies__policy_id__get": get_notification_policy,
    "update_notification_policy_v1_iot_notifications_policies__policy_id__put": update_notification_policy,
    "delete_notification_policy_v1_iot_notifications_policies__policy_id__delete": delete_notification_policy,
    "list_notification_deliveries_v1_iot_notifications_deliveries_get": list_notification_deliveries,
}
