"""The audit trail (``GET /audit``): who changed which project, session or setting, and when.

Events are ``{id: "audit_…", ts, actor_user_id, project_id, type, data}`` in
creation order; ``type`` is one of upstream's ``project.created|updated|deleted``,
``session.created|updated``, ``run.completed``, ``settings.updated``.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.packs.g4fagent.records import Family, iso, new_id

EVENTS = Family(noun="event", collection="/audit", prefix="audit", id_param="", label="Audit event",
                keyed=("project_id", "type"))


def record(ctx: RequestContext, kind: str, data: dict[str, Any], *, project_id: str | None = None) -> None:
    actor = ctx.principal.claims.get("sub") if ctx.principal is not None else None
    event = {
        "id": new_id(EVENTS.prefix), "ts": iso(ctx.now), "actor_user_id": str(actor or "unknown"),
        "project_id": project_id, "type": kind, "data": data,
    }
    EVENTS.save(ctx, event)
