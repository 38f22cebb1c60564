"""The ODIN event bus: every change is one persisted domain event, fanned out after commit.

``emit`` (in a handler) and ``emit_for`` (in a job or control) write the event in
Cortex's envelope (brief 1.6)::

    {"id": <uuid4>, "tenantId", "projectId", "resourceId": "session:<id>",
     "timestamp": "2026-03-20T12:00:00.000Z", "type": "session.created",
     "source": "cortex:api", "payload": {"action": "created", "data": {...}, "changes"?: {...}}}

into the tenant's ``events`` collection (indexed by ``projectId``), and, in the
same transaction, one durable job (``FANOUT_JOB``) that runs once the write is
committed: it sends the event to the matching webhook subscriptions and runs the
twin's internal reactions (plugins, the simulated room). A change whose
transaction rolls back therefore leaves neither an event nor a delivery.

The store's insertion order of the ``events`` collection is the bus's sequence:
an event id is a ``Last-Event-ID`` (``cursor_at``), and SSE streams read on from
there with ``find(after=...)``, so every worker of a ``--workers`` server and a
PostgreSQL state see one order.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.twin import Twin

EVENTS = "events"
"""Store collection of a tenant's domain events (every one is kept: webhook log, SSE replay, export)."""
EVENT_INDEXES: dict[str, tuple[str, ...]] = {EVENTS: ("projectId",)}
FANOUT_JOB = "odin.events.fanout"
"""Durable job kind that fans one committed event out (webhooks, reactions)."""

SOURCE_API = "cortex:api"
SOURCE_BOT = "cortex:bot"
SOURCE_PLUGIN = "cortex:plugin"

_ACTIONS = ("created", "updated", "deleted")
OCCURRED_TYPES = frozenset({"webhook.delivery.updated"})
"""Types whose action is ``occurred`` although their name ends like a CRUD action (trap 3.13)."""
NOT_TO_WEBHOOKS = frozenset({"webhook.delivery.updated"})
"""Never sent to webhooks: a ``*`` subscription would be told of its own deliveries forever."""


def action_of(event_type: str) -> str:
    """``created|updated|deleted`` from the type's last word, else ``occurred`` (revoked, started, joined...)."""
    last = event_type.rsplit(".", 1)[-1]
    return last if last in _ACTIONS and event_type not in OCCURRED_TYPES else "occurred"


def resource_of(event_type: str, data: dict[str, Any]) -> str:
    """``kind:id`` for an event whose caller named no resource: the type's first word and ``data.id``.

    Events about a member, invitation or annotation point at their parent, as
    the docs' moderation example treats an annotation event as the message's.
    """
    kind = event_type.split(".", 1)[0]
    if kind == "message" and data.get("messageId"):
        return f"message:{data['messageId']}"
    if kind == "gathering" and data.get("gatheringId"):
        return f"gathering:{data['gatheringId']}"
    if kind == "webhook":
        return f"webhook_event:{data.get('id', '')}"
    ident = data.get("id") or data.get("sessionId") or data.get("annotationId") or ""
    return f"{kind}:{ident}"


def emit(
    ctx: RequestContext, event_type: str, data: dict[str, Any], *, project_id: str, resource_id: str | None = None,
    action: str | None = None, changes: dict[str, Any] | None = None, source: str = SOURCE_API,
) -> dict[str, Any]:
    """Persist ``event_type`` about ``data`` in ``project_id`` and schedule its fan-out; the envelope."""
    return emit_for(ctx.twin, ctx.tenant, event_type, data, project_id=project_id, resource_id=resource_id,
                    action=action, changes=changes, source=source)


def emit_for(
    twin: Twin, tenant: str, event_type: str, data: dict[str, Any], *, project_id: str,
    resource_id: str | None = None, action: str | None = None, changes: dict[str, Any] | None = None,
    source: str = SOURCE_API, timestamp: str | None = None, event_id: str | None = None,
) -> dict[str, Any]:
    """``emit`` for jobs and controls, which have a twin and a tenant but no request."""
    payload: dict[str, Any] = {"action": action or action_of(event_type), "data": data}
    if changes:
        payload["changes"] = changes
    envelope: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "tenantId": tenant,
        "projectId": project_id,
        "resourceId": resource_id or resource_of(event_type, data),
        "timestamp": timestamp or twin.clock.iso(millis=True),
        "type": event_type,
        "source": source,
        "payload": payload,
    }
    with twin.store.transaction():
        twin.collection(tenant, EVENTS).put(envelope["id"], envelope)
        # Written with the event, run once it is committed: a rolled-back change sends nothing.
        twin.scheduler.schedule(FANOUT_JOB, 0.0, service=twin.slug, tenant=tenant,
                                payload={"eventId": envelope["id"]}, job_id=f"odin:fanout:{envelope['id']}")
    return envelope


def get_event(twin: Twin, tenant: str, event_id: str) -> dict[str, Any] | None:
    return twin.collection(tenant, EVENTS).get(event_id)


