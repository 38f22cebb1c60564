"""Plugin output: annotations on messages and on sessions, each announced by an event (source ``cortex:plugin``).

``message-annotations`` are indexed by message and session, ``session-annotations``
by session and type, so a transcript's annotations, one message's, or a
session's summary are indexed reads.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import SOURCE_PLUGIN, emit_for

MESSAGE_ANNOTATIONS = "message-annotations"
SESSION_ANNOTATIONS = "session-annotations"
ANNOTATION_INDEXES: dict[str, tuple[str, ...]] = {
    MESSAGE_ANNOTATIONS: ("messageId", "_sessionId"),
    SESSION_ANNOTATIONS: ("sessionId", "type"),
}


def _view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def annotate_message(
    twin: Twin, tenant: str, message: dict[str, Any], instance: dict[str, Any], kind: str, data: dict[str, Any],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()), "tenantId": tenant, "pluginInstanceId": instance["id"], "type": kind,
        "data": data, "createdAt": twin.clock.iso(millis=True), "messageId": message["id"],
        "_sessionId": message["sessionId"],
    }
    event: dict[str, Any] = {"annotationId": record["id"], "messageId": message["id"], "type": kind, "content": data}
    if message.get("participantId"):
        event["participantId"] = message["participantId"]
    if message.get("externalUserId"):
        event["externalUserId"] = message["externalUserId"]
    with twin.store.transaction():
        twin.collection(tenant, MESSAGE_ANNOTATIONS).put(record["id"], record)
        emit_for(twin, tenant, "message.annotation.created", event, project_id=str(instance["projectId"]),
                 resource_id=f"message:{message['id']}", source=SOURCE_PLUGIN)
    return _view(record)


def annotate_session(
    twin: Twin, tenant: str, session: dict[str, Any], instance: dict[str, Any], kind: str, data: dict[str, Any],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()), "tenantId": tenant, "pluginInstanceId": instance["id"], "type": kind,
        "data": data, "createdAt": twin.clock.iso(millis=True), "sessionId": session["id"],
    }
    with twin.store.transaction():
        twin.collection(tenant, SESSION_ANNOTATIONS).put(record["id"], record)
        emit_for(twin, tenant, "session.annotation.created",
                 {"annotationId": record["id"], "sessionId": session["id"], "type": kind, "content": data},
                 project_id=str(session["projectId"]), resource_id=f"session:{session['id']}", source=SOURCE_PLUGIN)
    return record


def of_session(twin: Twin, tenant: str, session_id: str) -> list[dict[str, Any]]:
    return [_view(r) for r in twin.collection(tenant, SESSION_ANNOTATIONS).find({"sessionId": session_id}).items]


def of_message(twin: Twin, tenant: str, message_id: str) -> list[dict[str, Any]]:
    return [_view(r) for r in twin.collection(tenant, MESSAGE_ANNOTATIONS).find({"messageId": message_id}).items]


def drop_session_type(twin: Twin, tenant: str, session_id: str, kind: str) -> int:
    """Delete the session's annotations of one type (a summary about to be made again); how many."""
    annotations = twin.collection(tenant, SESSION_ANNOTATIONS)
    found = annotations.find({"sessionId": session_id, "type": kind}).items
    with twin.store.transaction():
        for record in found:
            annotations.delete(str(record["id"]))
    return len(found)
