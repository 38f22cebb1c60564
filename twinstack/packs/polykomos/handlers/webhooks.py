"""Tag "Webhooks": endpoints with signing secrets, the delivery log, and test deliveries.

Backed by the shared webhook engine (``twinstack.drivers.webhooks``), configured
with ``Polykomos-*`` headers and integer ids (``runtime.WEBHOOK_SETTINGS``):

- ``createWebhookEndpoint`` takes an absolute http(s) URL (loopback allowed) and
  event names from ``events.EVENT_TYPES`` (``database.*`` and ``*`` too; empty
  means all). The ``secret`` is in this answer only.
- ``revokeWebhookEndpoint`` stops all traffic: pending retries fail as
  "endpoint revoked". The endpoint is then gone for the API: lists leave it out,
  and revoking it again, its deliveries and test deliveries are 404.
- ``listWebhookDeliveries``: one record per (event, endpoint), newest first,
  with ``attempt_count`` and, beyond the document, ``attempts`` (each try's
  time, status code, error, duration) and ``next_attempt_at``.
- ``createWebhookTestDelivery`` makes one synchronous ``webhook.test`` attempt,
  logged, never retried; a failed attempt is still 200 (``status: failed``).
"""

from __future__ import annotations

from typing import Any

from twinstack.drivers.webhooks import Delivery, Endpoint
from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, NotFound, ValidationFailed
from twinstack.packs.polykomos.events import EVENT_TYPES, is_known
from twinstack.packs.polykomos.idempotency import run_idempotent
from twinstack.packs.polykomos.paging import requested
from twinstack.packs.polykomos.runtime import runtime_of


def _iso(ctx: RequestContext, at: float | None) -> str | None:
    return ctx.clock.iso(at) if at is not None else None


def endpoint_view(ctx: RequestContext, endpoint: Endpoint) -> dict[str, Any]:
    return {
        "object": "webhook_endpoint", "id": int(endpoint.id), "url": endpoint.url, "events": list(endpoint.events),
        "status": "revoked" if endpoint.status == "revoked" else "active",
        "last_success_at": _iso(ctx, endpoint.last_success_at), "last_failure_at": _iso(ctx, endpoint.last_failure_at),
        "created_at": ctx.clock.iso(endpoint.created_at),
    }


def delivery_view(ctx: RequestContext, delivery: Delivery) -> dict[str, Any]:
    return {
        "object": "webhook_delivery", "id": int(delivery.id), "endpoint_id": int(delivery.endpoint_id),
        "event_type": delivery.event_type, "status": delivery.status, "response_code": delivery.response_code,
        "error_message": delivery.error_message, "attempt_count": delivery.attempt_count,
        "created_at": ctx.clock.iso(delivery.created_at),
        "event_id": delivery.event_id, "next_attempt_at": _iso(ctx, delivery.next_attempt_at),
        "attempts": [
            {"number": a.number, "at": ctx.clock.iso(a.at), "status_code": a.status_code, "error": a.error,
             "duration_ms": a.duration_ms}
            for a in delivery.attempts
        ],
    }


def _live_endpoint(ctx: RequestContext) -> Endpoint:
    """The path's endpoint if it exists for this tenant and is not revoked, else 404 naming ``id``."""
    endpoint_id = str(ctx.path["id"])
    found = runtime_of(ctx.twin).webhooks.get_endpoint(ctx.slug, ctx.tenant, endpoint_id)
    if found is None or found.status == "revoked":
        raise NotFound(f"Webhook endpoint {endpoint_id} not found", code="not_found", field="id")
    return found


async def list_webhook_endpoints(ctx: RequestContext) -> Any:
    asked = requested(ctx)
    found, more = runtime_of(ctx.twin).webhooks.endpoints.page(
        ctx.slug, ctx.tenant, limit=asked.limit, starting_after=asked.starting_after
    )
    return {"data": [endpoint_view(ctx, e) for e in found], "has_more": more}


async def create_webhook_endpoint(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _create(ctx))


async def _create(ctx: RequestContext) -> Reply:
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    events = list(body.get("events") or [])
    unknown = [
        FieldIssue("body", ("events", i), f"unknown event {name!r}; one of: {', '.join(EVENT_TYPES)}, a prefix "
                   "ending in .*, or *", "enum", name)
        for i, name in enumerate(events) if not is_known(name)
    ]
    if unknown:
        raise ValidationFailed(unknown)
    created = runtime_of(ctx.twin).webhooks.create_endpoint(ctx.slug, ctx.tenant, str(body["url"]), events)
    return Reply(
        {"message": "Webhook endpoint created. Store the secret now: it is not shown again.",
         "data": endpoint_view(ctx, created.endpoint), "secret": created.secret},
        status=201,
    )


async def revoke_webhook_endpoint(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _revoke(ctx))


async def _revoke(ctx: RequestContext) -> Reply:
    endpoint = _live_endpoint(ctx)
    runtime_of(ctx.twin).webhooks.revoke_endpoint(ctx.slug, ctx.tenant, endpoint.id)
    return Reply({"message": "Webhook endpoint revoked", "data": {"id": int(endpoint.id)}})


async def list_webhook_deliveries(ctx: RequestContext) -> Any:
    endpoint = _live_endpoint(ctx)
    asked = requested(ctx)
    found = runtime_of(ctx.twin).webhooks.deliveries(
        ctx.slug, ctx.tenant, endpoint_id=endpoint.id, limit=asked.limit, starting_after=asked.starting_after
    )
    return {"data": [delivery_view(ctx, d) for d in found.items], "has_more": found.has_more}


async def create_webhook_test_delivery(ctx: RequestContext) -> Any:
    endpoint = _live_endpoint(ctx)
    delivery = await runtime_of(ctx.twin).webhooks.send_test(ctx.slug, ctx.tenant, endpoint.id)
    return {"data": delivery_view(ctx, delivery)}


HANDLERS: dict[str, Handler] = {
    "listWebhookEndpoints": list_webhook_endpoints,
    "createWebhookEndpoint": create_webhook_endpoint,
    "revokeWebhookEndpoint": revoke_webhook_endpoint,
    "listWebhookDeliveries": list_webhook_deliveries,
    "createWebhookTestDelivery": create_webhook_test_delivery,
}
