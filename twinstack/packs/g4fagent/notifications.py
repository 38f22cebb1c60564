"""Notifications (``GET /notifications``) and the system's own audit events.

A notification is ``{id: "notif_…", ts, level, title, body, acked}``, listed
newest first. Upstream raises one only when an alert is created; the twin also
notifies a failed run and a finished or failed deployment, and puts each one in
the outbox too (channel ``notification``), where tests see what was "sent".
Jobs have no request, so these helpers take the twin and the tenant.
"""

from __future__ import annotations

from typing import Any

from twinstack import outbox
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import audit
from twinstack.packs.g4fagent.records import Family, iso, new_id

NOTIFICATIONS = Family(noun="notification", collection="/notifications", prefix="notif", id_param="",
                       label="Notification")
SYSTEM_ACTOR = "system"


def notify(twin: Twin, tenant: str, level: str, title: str, body: str, **refs: str) -> dict[str, Any]:
    """Store a notification of ``tenant`` and mirror it to the outbox; ``refs`` name what it is about."""
    note = {"id": new_id(NOTIFICATIONS.prefix), "ts": iso(twin.clock.now()), "level": level, "title": title,
            "body": body, "acked": False, **refs}
    NOTIFICATIONS.put(twin.collection(tenant, NOTIFICATIONS.collection), note)
    outbox.send(twin.store, twin.clock, service=twin.slug, tenant=tenant, channel="notification",
                recipient=tenant, subject=title, body=body, metadata={"notification_id": note["id"], "level": level, **refs})
    return note


def system_audit(twin: Twin, tenant: str, kind: str, data: dict[str, Any], *, project_id: str | None) -> None:
    """An audit event done by the twin itself (a run completing), actor ``system`` as upstream."""
    event = {"id": new_id(audit.EVENTS.prefix), "ts": iso(twin.clock.now()), "actor_user_id": SYSTEM_ACTOR,
             "project_id": project_id, "type": kind, "data": data}
    audit.EVENTS.put(twin.collection(tenant, audit.EVENTS.collection), event)
