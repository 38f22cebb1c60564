"""Notification channels and policies: alarm events routed to webhooks, Slack, Teams, e-mail and SMS.

A policy matches an alarm event by severity, event type (``triggered``, ``acknowledged``,
``resolved``), rule and scope (fleet, devices, groups or profiles), and waits ``cooldown_seconds``
before notifying the same event of the same alarm again. Each of its enabled channels then gets the
event, and each send is a delivery row:

- ``webhook``: a POST of ``{"event", "alarm", "device_id", "timestamp"}`` to ``config.url`` through
  the shared delivery engine (durable retries on the twin clock), signed
  ``X-WAYSCloud-Signature: sha256=<hex HMAC-SHA256 of the body keyed by config.secret>``;
- ``slack`` / ``teams``: a POST of the chat service's message document to ``config.url``, the same way;
- ``email`` / ``sms``: a message in the outbox to ``config.email`` / ``config.phone``.

Deliveries are ``queued`` until the engine's attempt ends, then ``delivered`` or ``failed``.
"""

from __future__ import annotations

import hashlib
import hmac
import weakref
from typing import Any

from twinstack import outbox
from twinstack.drivers.webhooks import Webhooks, WebhookSettings
from twinstack.drivers.webhooks.records import Delivery
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.iot.model import (
    CHANNELS, DELIVERIES, DEVICES, MAX_RULES, MEMBERS, NOTIFIED, POLICIES, Scope, bad, key, new_id, public,
)

HOOKS_SERVICE = "wayscloud-iot"
"""The delivery engine's service name for IoT channels (its endpoints, log and job kind)."""
CHANNEL_TYPES = ("email", "webhook", "slack", "teams", "sms")
POSTED = ("webhook", "slack", "teams")
EVENTS = ("triggered", "acknowledged", "resolved")
_RUNTIMES: weakref.WeakKeyDictionary[Twin, Webhooks] = weakref.WeakKeyDictionary()


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-WAYSCloud-Signature": f"sha256={digest}", "X-WAYSCloud-Timestamp": str(timestamp)}


def hooks_of(twin: Twin) -> Webhooks:
    """The delivery engine of this twin's IoT channels, configured on first use (and at start)."""
    found = _RUNTIMES.get(twin)
    if found is None:
        found = Webhooks(twin.store, twin.clock, twin.scheduler)
        found.configure(HOOKS_SERVICE, WebhookSettings(
            header_prefix="X-WAYSCloud", signer=sign, ids="uuid",
            on_change=lambda tenant, delivery: _settled(Scope(twin, tenant), delivery)))
        _RUNTIMES[twin] = found
    return found


def _settled(scope: Scope, delivery: Delivery) -> None:
    row = scope.col(DELIVERIES).find_one(hook_delivery=delivery.id)
    if row is None:
        return
    last = delivery.attempts[-1] if delivery.attempts else None
    if delivery.status == "delivered":
        row.update({"status": "delivered", "sent_at": scope.iso(delivery.delivered_at or scope.now)})
        row.pop("error_message", None)
    elif delivery.status == "failed":
        row.update({"status": "failed", "error_message": delivery.error_message or "delivery failed"})
        if last is not None:
            row["sent_at"] = scope.iso(last.at)
    else:
        row["status"] = "queued"
        if delivery.error_message:
            row["error_message"] = delivery.error_message
    row["attempts"] = delivery.attempt_count
    scope.col(DELIVERIES).put(str(row["id"]), row)


# -- channels ---------------------------------------------------------------
def recipient(channel_type: str, config: dict[str, Any]) -> str | None:
    names = {"email": ("email", "to", "address", "recipient"), "sms": ("phone", "phone_number", "to", "recipient")}
    for name in names.get(channel_type, ()):
        value = config.get(name)
        if isinstance(value, list) and value and isinstance(value[0], str):
            return ",".join(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def check_config(channel_type: str, config: dict[str, Any]) -> None:
    if channel_type in POSTED:
        url = config.get("url") or config.get("webhook_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad("config.url", "a channel of this type needs an absolute http(s) URL in config.url", url)
    elif recipient(channel_type, config) is None:
        field = "config.email" if channel_type == "email" else "config.phone"
        raise bad(field, f"a {channel_type} channel needs a recipient in {field}")


def open_endpoint(scope: Scope, channel_id: str, config: dict[str, Any]) -> str:
    url = str(config.get("url") or config.get("webhook_url"))
    secret = config.get("secret") if isinstance(config.get("secret"), str) and config.get("secret") else None
    created = hooks_of(scope.twin).create_endpoint(HOOKS_SERVICE, scope.tenant, url, [f"{channel_id}.*"],
                                                   secret=secret)
    return created.endpoint.id


def close_endpoint(scope: Scope, channel: dict[str, Any]) -> None:
    endpoint_id = channel.get("_endpoint_id")
    if isinstance(endpoint_id, str):
        hooks_of(scope.twin).revoke_endpoint(HOOKS_SERVICE, scope.tenant, endpoint_id)


def channel_view(channel: dict[str, Any]) -> dict[str, Any]:
    out = public(channel)
    config = dict(out.get("config") or {})
    config.pop("secret", None)
    if channel.get("_secret"):
        # The signing secret is write-only: it is never shown again.
        config["secret_configured"] = True
    out["config"] = config
    return out


# -- routing ------------------------------------------------------------------
def _in_scope(scope: Scope, policy: dict[str, Any], device_id: str) -> bool:
    kind, ids = policy.get("scope_type") or "fleet", [str(i) for i in policy.get("scope_ids") or []]
    if kind == "fleet" or not ids:
        return True
    if kind == "device":
        return device_id in ids
    if kind == "group":
        return bool(scope.col(MEMBERS).get_many([key(g, device_id) for g in ids]))
    if kind == "profile":
        record = scope.col(DEVICES).get(device_id) or {}
        return str(record.get("profile_id")) in ids
    return False


def _message(alarm: dict[str, Any], event: str) -> tuple[str, str]:
    title = f"[{str(alarm.get('severity', 'warning')).upper()}] {alarm.get('title', 'IoT alarm')}"
    text = f"Alarm {event}: {alarm.get('message', '')} (device {alarm.get('device_id')}, alarm {alarm.get('id')})"
    return title, text


def route(scope: Scope, alarm: dict[str, Any], event: str) -> int:
    """Send the alarm event through every matching policy; how many deliveries were made."""
    made = 0
    for policy in scope.col(POLICIES).find({"is_enabled": True}, limit=MAX_RULES).items:
        if alarm.get("severity") not in (policy.get("severity_filter") or ["critical", "warning", "info"]):
            continue
        if event not in (policy.get("event_types") or ["triggered"]):
            continue
        rules = policy.get("rule_ids")
        if rules and str(alarm.get("rule_id")) not in [str(r) for r in rules]:
            continue
        if not _in_scope(scope, policy, str(alarm.get("device_id"))):
            continue
        mark = key(str(policy["id"]), str(alarm["id"]), event)
        last = scope.col(NOTIFIED).get(mark)
        if last is not None and scope.now - float(last["at"]) < float(policy.get("cooldown_seconds", 300)):
            continue
        scope.col(NOTIFIED).put(mark, {"at": scope.now})
        channels = scope.col(CHANNELS).get_many([str(c) for c in policy.get("channel_ids") or []])
        for channel in channels.values():
            if channel.get("is_enabled", True):
                send(scope, channel, alarm, event, str(policy["id"]))
                made += 1
    return made


def _record(scope: Scope, channel: dict[str, Any], alarm_id: str | None, status: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": new_id(), "channel_type": channel["channel_type"], "channel_id": channel["id"],
                           "status": status, "created_at": scope.iso(), **extra}
    if alarm_id is not None:
        row["alarm_id"] = alarm_id
    if status == "delivered":
        row["sent_at"] = scope.iso()
    scope.col(DELIVERIES).put(str(row["id"]), row)
    return row


def _document(channel_type: str, alarm: dict[str, Any], event: str, stamp: str) -> dict[str, Any]:
    title, text = _message(alarm, event)
    if channel_type == "slack":
        return {"text": f"{title}\n{text}"}
    if channel_type == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": title,
                "title": title, "text": text}
    return {"event": f"alarm.{event}", "alarm": {k: v for k, v in public(alarm).items() if k != "open_key"},
            "device_id": alarm.get("device_id"), "timestamp": stamp}


def send(scope: Scope, channel: dict[str, Any], alarm: dict[str, Any], event: str, policy_id: str | None) -> None:
    kind, config = str(channel["channel_type"]), dict(channel.get("config") or {})
    extra = {"event_type": event, **({"policy_id": policy_id} if policy_id else {})}
    if kind in POSTED:
        body = _document(kind, alarm, event, scope.iso())
        sent = hooks_of(scope.twin).emit(HOOKS_SERVICE, scope.tenant, f"{channel['id']}.alarm.{event}", None,
                                         body=body)
        for delivery in sent:
            _record(scope, channel, str(alarm["id"]), "queued", hook_delivery=delivery.id, **extra)
        return
    title, text = _message(alarm, event)
    to = recipient(kind, config) or ""
    outbox.send(scope.twin.store, scope.twin.clock, service=scope.twin.slug, tenant=scope.tenant, channel=kind,
                recipient=to, sender="WAYSCloud IoT", subject=title if kind == "email" else "", body=text,
                metadata={"alarm_id": alarm["id"], "channel_id": channel["id"], "event": event})
    _record(scope, channel, str(alarm["id"]), "delivered", **extra)


async def test(scope: Scope, channel: dict[str, Any]) -> dict[str, Any]:
    """Really send a test notification; the IoTChannelTestResult."""
    kind, config = str(channel["channel_type"]), dict(channel.get("config") or {})
    if kind in POSTED:
        endpoint_id = channel.get("_endpoint_id")
        delivery = await hooks_of(scope.twin).send_test(
            HOOKS_SERVICE, scope.tenant, str(endpoint_id), event_type=f"{channel['id']}.test",
            data={"channel_id": channel["id"], "channel_type": kind, "test": True,
                  "message": "Test notification from WAYSCloud IoT"})
        ok = delivery.status == "delivered"
        _record(scope, channel, None, "delivered" if ok else "failed", event_type="test",
                **({} if ok else {"error_message": delivery.error_message or "delivery failed"}))
        message = "Test notification sent successfully" if ok else \
            f"Test notification failed: {delivery.error_message or delivery.response_code}"
        return {"success": ok, "message": message, "channel_id": channel["id"]}
    to = recipient(kind, config) or ""
    outbox.send(scope.twin.store, scope.twin.clock, service=scope.twin.slug, tenant=scope.tenant, channel=kind,
                recipient=to, sender="WAYSCloud IoT", subject="WAYSCloud IoT test notification" if kind == "email"
                else "", body="Test notification from WAYSCloud IoT", metadata={"channel_id": channel["id"],
                                                                                "test": True})
    _record(scope, channel, None, "delivered", event_type="test")
    return {"success": True, "message": "Test notification sent successfully", "channel_id": channel["id"]}


def check_events(field: str, values: list[str]) -> None:
    for i, value in enumerate(values):
        if value not in EVENTS:
            raise bad(f"{field}.{i}", "Input should be 'triggered', 'acknowledged' or 'resolved'", value, "enum")
