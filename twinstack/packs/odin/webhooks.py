"""ODIN webhook subscriptions on the shared delivery engine (``twinstack.drivers.webhooks``).

A subscription is two things: the engine's endpoint (URL, event patterns, the
auth headers Cortex sends, the user's secret, and ``metadata.projectId``), which
delivers, and the pack's own record in ``webhook-subscriptions`` (indexed by
project), which the API lists and shows. Each domain event of a project is
handed to ``deliver`` by the bus's fan-out job once committed: one engine
delivery per matching active subscription, the envelope as the exact body.

Every delivery is also a ``WebhookEvent`` row (``webhook-events``, indexed by
project and status) kept in step by the engine's ``on_change`` hook, which also
emits ``webhook.delivery.updated`` (never itself delivered to webhooks).

Request headers (Cortex does not publish its names; these mirror ingest):
``X-Signature`` = lowercase hex HMAC-SHA256(secret, X-Timestamp + raw body),
``X-Timestamp`` (ISO 8601 UTC with milliseconds), ``X-Event-Id``,
``X-Event-Type``, plus the engine's ``X-Event`` and ``X-Delivery-Id``, then the
subscription's auth header(s).

The user's secret and the auth values are sealed (AES-GCM, ``app_settings.seal``)
into the one value the engine keeps as the endpoint's secret; the signer opens
it for each attempt, so neither sits readable in a row. (The delivery log keeps
the request headers each attempt sent, the auth header among them.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from twinstack.drivers.webhooks import Delivery, Webhooks, WebhookSettings
from twinstack.engine.twin import Twin
from twinstack.packs.odin.app_settings import seal, unseal
from twinstack.packs.odin.events import NOT_TO_WEBHOOKS, emit_for

SUBSCRIPTIONS = "webhook-subscriptions"
WEBHOOK_EVENTS = "webhook-events"
WEBHOOK_INDEXES: dict[str, tuple[str, ...]] = {SUBSCRIPTIONS: ("projectId",), WEBHOOK_EVENTS: ("projectId", "status")}
SCHEDULE: tuple[float, ...] = (0.0, 30.0, 120.0, 600.0, 1800.0, 7200.0)
"""Six attempts: at once, then 30 s, 2 min, 10 min, 30 min and 2 h after each failure (twin clock)."""
AUTH_TYPES = ("none", "api_key", "basic_auth", "custom_headers")
DEFAULT_API_KEY_HEADER = "X-API-Key"


def iso_of(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 over the timestamp string immediately followed by the raw body."""
    return hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()


SEALED = "sealed:"
"""Prefix of what the engine keeps as an endpoint's secret: the user's secret and auth headers, sealed."""


def seal_credentials(twin: Twin, secret: str, headers: dict[str, str]) -> str:
    """The secret and auth headers of a subscription as one sealed value (the engine stores it as the secret)."""
    return SEALED + seal(twin, {"secret": secret, "headers": headers})


def open_credentials(twin: Twin, stored: str | None) -> tuple[str, dict[str, str]]:
    """``(secret, auth headers)`` from what the engine stores."""
    if not stored:
        return "", {}
    if not stored.startswith(SEALED):
        return stored, {}
    opened = dict(unseal(twin, stored[len(SEALED):]) or {})
    return str(opened.get("secret", "")), {str(k): str(v) for k, v in dict(opened.get("headers") or {}).items()}


def stored_credentials(twin: Twin, tenant: str, subscription_id: str) -> tuple[str, dict[str, str]]:
    return open_credentials(twin, engine(twin).endpoints.secret(twin.slug, tenant, subscription_id))


def _signer_for(twin_ref: weakref.ref[Twin]) -> Callable[[str, bytes, int], dict[str, str]]:
    def signer(stored: str, body: bytes, timestamp: int) -> dict[str, str]:
        twin = twin_ref()
        secret, auth = open_credentials(twin, stored) if twin is not None else (stored, {})
        stamp = iso_of(float(timestamp))
        headers = {**auth, "X-Timestamp": stamp, "X-Signature": sign(secret, stamp, body)}
        try:
            event = orjson.loads(body)
            headers["X-Event-Id"], headers["X-Event-Type"] = str(event["id"]), str(event["type"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            pass
        return headers

    return signer


# Per process, keyed by twin (several apps in one test process each keep their own).
_ENGINES: weakref.WeakKeyDictionary[Twin, Webhooks] = weakref.WeakKeyDictionary()


def engine(twin: Twin) -> Webhooks:
    """The delivery engine of this process for ``twin``, configured on first use."""
    found = _ENGINES.get(twin)
    if found is None:
        found = Webhooks(twin.store, twin.clock, twin.scheduler)
        twin_ref = weakref.ref(twin)

        def changed(tenant: str, delivery: Delivery) -> None:
            owner = twin_ref()
            if owner is not None:
                delivery_changed(owner, tenant, delivery)

        found.configure(twin.slug, WebhookSettings(
            header_prefix="X", schedule=SCHEDULE, ids="uuid", signer=_signer_for(twin_ref), on_change=changed,
        ))
        _ENGINES[twin] = found
    return found


def start(twin: Twin) -> None:
    """Configure the engine at start, so retries pending from before a restart resume at once."""
    engine(twin)


def auth_headers(fields: dict[str, Any]) -> dict[str, str]:
    """The header(s) Cortex authenticates with at the receiver, from a subscription's auth fields."""
    kind = fields.get("authType") or "none"
    if kind == "api_key":
        return {str(fields.get("apiKeyHeader") or DEFAULT_API_KEY_HEADER): str(fields.get("apiKey", ""))}
    if kind == "basic_auth":
        pair = f"{fields.get('basicAuthUsername', '')}:{fields.get('basicAuthPassword', '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    if kind == "custom_headers":
        return {str(k): str(v) for k, v in dict(fields.get("customHeaders") or {}).items()}
    return {}


def deliver(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    """Send a committed event to its project's matching active subscriptions."""
    if event["type"] in NOT_TO_WEBHOOKS:
        return
    project_id = event.get("projectId")
    hooks = engine(twin)
    created = hooks.emit(twin.slug, tenant, str(event["type"]), event["payload"], event_id=str(event["id"]),
                         body=event, only=lambda e: e.metadata.get("projectId") == project_id)
    rows = twin.collection(tenant, WEBHOOK_EVENTS)
    with twin.store.transaction():
        for delivery in created:
            rows.put(delivery.id, _row(tenant, str(project_id), delivery, event))


def _row(tenant: str, project_id: str, delivery: Delivery, event: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": delivery.id,
        "tenantId": tenant,
        "projectId": project_id,
        "eventType": delivery.event_type,
        "payload": event,
        "status": delivery.status,
        "attemptsCount": delivery.attempt_count,
        # Required even once delivered (trap 3.12): the next attempt, else the last one made.
        "nextAttemptAt": iso_of(delivery.next_attempt_at or (delivery.attempts[-1].at if delivery.attempts
                                                              else delivery.created_at)),
        "createdAt": iso_of(delivery.created_at),
        "_subscriptionId": delivery.endpoint_id,
    }
    if delivery.error_message:
        row["lastError"] = delivery.error_message
    return row


def delivery_changed(twin: Twin, tenant: str, delivery: Delivery) -> None:
    """Keep the WebhookEvent row in step and tell SSE listeners (``webhook.delivery.updated``)."""
    rows = twin.collection(tenant, WEBHOOK_EVENTS)
    known = rows.get(delivery.id)
    if known is None:
        return
    row = _row(tenant, str(known["projectId"]), delivery, known["payload"])
    data: dict[str, Any] = {"id": delivery.id, "eventType": delivery.event_type, "status": delivery.status,
                            "attemptsCount": delivery.attempt_count, "projectId": known["projectId"]}
    if delivery.error_message:
        data["lastError"] = delivery.error_message
    with twin.store.transaction():
        rows.put(delivery.id, row)
        emit_for(twin, tenant, "webhook.delivery.updated", data, project_id=str(known["projectId"]),
                 resource_id=f"webhook_event:{delivery.id}", action="occurred")


def delivery_views(twin: Twin, tenant: str, delivery_id: str) -> list[dict[str, Any]]:
    """Every attempt of a delivery as a ``WebhookDelivery``."""
    delivery = engine(twin).get_delivery(twin.slug, tenant, delivery_id)
    if delivery is None:
        return []
    out: list[dict[str, Any]] = []
    for attempt in delivery.attempts:
        view: dict[str, Any] = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"odin-delivery:{delivery.id}:{attempt.number}")),
            "webhookEventId": delivery.id,
            "subscriptionId": delivery.endpoint_id,
            "requestBody": delivery.body,
            "responseBody": attempt.response_body,
            "responseHeaders": dict(attempt.response_headers),
            "createdAt": iso_of(attempt.at),
        }
        if attempt.status_code is not None:
            view["statusCode"] = attempt.status_code
        out.append(view)
    return out
