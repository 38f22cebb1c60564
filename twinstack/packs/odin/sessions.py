"""Transcription sessions: one per room (``externalRoomId``) at a time of work, ``active`` until stopped.

A session is a row of ``sessions``, indexed by project and by ``_room`` (the
project and room it transcribes) with its ``status``, so the simulated room
finds the sessions listening to it without a scan. The bot's own state is
private (``_bot``) and visible only through ``bot.status.changed`` events, as
in Cortex.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import emit_for

SESSIONS = "sessions"
SESSION_INDEXES: dict[str, tuple[str, ...]] = {SESSIONS: ("projectId", "_room", "status")}
DEFAULT_GATEWAY = "gateway.odin.4players.io"
ACTIVE, ENDED = "active", "ended"


def room_key(project_id: str, room_id: str) -> str:
    return f"{project_id}/{room_id}"


def view(session: dict[str, Any]) -> dict[str, Any]:
    """The document's ``SessionResponse``."""
    return {k: v for k, v in session.items() if not k.startswith("_")}


def get_session(twin: Twin, tenant: str, project_id: str, session_id: str) -> dict[str, Any] | None:
    try:
        uuid.UUID(session_id)
    except ValueError:
        return None
    found = twin.collection(tenant, SESSIONS).get(session_id)
    return found if found is not None and found.get("projectId") == project_id else None


def any_session(twin: Twin, tenant: str, session_id: str) -> dict[str, Any] | None:
    """The tenant's session by id, whatever its project."""
    try:
        uuid.UUID(session_id)
    except ValueError:
        return None
    return twin.collection(tenant, SESSIONS).get(session_id)


def listening(twin: Twin, tenant: str, project_id: str, room_id: str) -> list[dict[str, Any]]:
    """The active sessions transcribing a room (a room has few)."""
    return twin.collection(tenant, SESSIONS).find({"_room": room_key(project_id, room_id), "status": ACTIVE},
                                                  limit=50).items


def create(twin: Twin, tenant: str, project_id: str, fields: dict[str, Any], created_by: str) -> dict[str, Any]:
    session: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "tenantId": tenant,
        "externalRoomId": str(fields["externalRoomId"]),
        "projectId": project_id,
        "gateway": str(fields.get("gateway") or DEFAULT_GATEWAY),
        "title": str(fields["title"]),
        "createdByUserId": created_by,
        "createdAt": twin.clock.iso(millis=True),
        "status": ACTIVE,
        "_room": room_key(project_id, str(fields["externalRoomId"])),
        "_bot": "stopped",
    }
    if fields.get("idleTimeout") is not None:
        session["idleTimeout"] = fields["idleTimeout"]
    with twin.store.transaction():
        twin.collection(tenant, SESSIONS).put(session["id"], session)
        emit_for(twin, tenant, "session.created", view(session), project_id=project_id,
                 resource_id=f"session:{session['id']}")
    return session


def set_status(twin: Twin, tenant: str, session: dict[str, Any], status: str) -> dict[str, Any]:
    """Move the session to ``status``; ``session.updated`` with the previous status when it changed."""
    if session.get("status") == status:
        return session
    updated = {**session, "status": status}
    with twin.store.transaction():
        twin.collection(tenant, SESSIONS).put(str(session["id"]), updated)
        emit_for(twin, tenant, "session.updated", view(updated), project_id=str(session["projectId"]),
                 resource_id=f"session:{session['id']}", changes={"status": session.get("status")})
    return updated


def save_private(twin: Twin, tenant: str, session: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Change fields the API does not show (the bot's state), without an event."""
    updated = {**session, **fields}
    twin.collection(tenant, SESSIONS).put(str(session["id"]), updated)
    return updated
