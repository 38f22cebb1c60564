"""ODIN participants: a project's people, identified by their stable ODIN user id (``externalUserId``).

``find_or_create`` is the one way a participant comes to exist, for
``POST .../participants`` as for the simulated bot and gatherings: the same
``externalUserId`` in a project always gives the same record back, and only the
first call emits ``participant.created``. The uniqueness is a key row
(``participant-keys``, one per project and user id) taken with ``insert``, so
two workers racing for one new user agree on one participant.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import emit_for

PARTICIPANTS = "participants"
KEYS = "participant-keys"
"""``<projectId>/<externalUserId>`` -> ``{"participantId"}``: who holds a user id in a project."""
PARTICIPANT_INDEXES: dict[str, tuple[str, ...]] = {PARTICIPANTS: ("projectId",)}


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _key(project_id: str, external_user_id: str) -> str:
    return f"{project_id}/{external_user_id}"


def get_participant(twin: Twin, tenant: str, project_id: str, participant_id: str) -> dict[str, Any] | None:
    """The participant, if it belongs to ``project_id``."""
    if not is_uuid(participant_id):
        return None
    found = twin.collection(tenant, PARTICIPANTS).get(participant_id)
    return found if found is not None and found.get("projectId") == project_id else None


def by_external_id(twin: Twin, tenant: str, project_id: str, external_user_id: str) -> dict[str, Any] | None:
    key = twin.collection(tenant, KEYS).get(_key(project_id, external_user_id))
    if key is None:
        return None
    return twin.collection(tenant, PARTICIPANTS).get(str(key["participantId"]))


def find_or_create(
    twin: Twin, tenant: str, project_id: str, external_user_id: str, *, display_name: str | None = None,
    user_data: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """The project's participant for ``external_user_id`` and whether this call created it."""
    keys, people = twin.collection(tenant, KEYS), twin.collection(tenant, PARTICIPANTS)
    with twin.store.transaction():
        found = by_external_id(twin, tenant, project_id, external_user_id)
        if found is not None:
            return found, False
        participant_id = str(uuid.uuid4())
        if not keys.insert(_key(project_id, external_user_id), {"participantId": participant_id}):
            # Another worker took this user id first: its participant is the one.
            again = by_external_id(twin, tenant, project_id, external_user_id)
            if again is not None:
                return again, False
        record = {
            "id": participant_id,
            "projectId": project_id,
            # The document requires a display name; without one the user id is the only name known.
            "displayName": display_name if display_name else external_user_id,
            "externalUserId": external_user_id,
            "tenantId": tenant,
            "userData": dict(user_data or {}),
            "joinedAt": twin.clock.iso(millis=True),
        }
        people.put(participant_id, record)
        emit_for(twin, tenant, "participant.created", record, project_id=project_id,
                 resource_id=f"participant:{participant_id}")
    return record, True


def update_participant(
    twin: Twin, tenant: str, record: dict[str, Any], changes_wanted: dict[str, Any],
) -> dict[str, Any]:
    """Apply ``displayName``/``userData``; ``participant.updated`` with the previous values when anything changed."""
    changed = {k: record.get(k) for k, v in changes_wanted.items() if record.get(k) != v}
    if not changed:
        return record
    updated = {**record, **{k: changes_wanted[k] for k in changed}}
    with twin.store.transaction():
        twin.collection(tenant, PARTICIPANTS).put(str(record["id"]), updated)
        emit_for(twin, tenant, "participant.updated", updated, project_id=str(record["projectId"]),
                 resource_id=f"participant:{record['id']}", changes=changed)
    return updated


def delete_participant(twin: Twin, tenant: str, record: dict[str, Any]) -> None:
    """Remove the participant and its user-id key; ``participant.deleted`` lets the rest of the twin let go of it."""
    with twin.store.transaction():
        twin.collection(tenant, PARTICIPANTS).delete(str(record["id"]))
        twin.collection(tenant, KEYS).delete(_key(str(record["projectId"]), str(record["externalUserId"])))
        emit_for(twin, tenant, "participant.deleted", record, project_id=str(record["projectId"]),
                 resource_id=f"participant:{record['id']}")


def page(twin: Twin, tenant: str, project_id: str, *, limit: int, offset: int,
         search: str | None) -> tuple[list[dict[str, Any]], int]:
    """One page of the project's participants (creation order) and the filtered total."""
    people = twin.collection(tenant, PARTICIPANTS)
    if not search:
        return people.find({"projectId": project_id}, limit=limit, offset=offset).items, people.count(projectId=project_id)
    # Free-text search reads the project's participants (the index leaves no narrower set), nothing else.
    needle = search.casefold()
    hits = [p for p in people.find({"projectId": project_id}).items
            if needle in str(p.get("displayName", "")).casefold() or needle in str(p.get("externalUserId", "")).casefold()]
    return hits[offset:offset + limit], len(hits)
