"""The simulated transcription bot and the voice rooms it listens to.

The bot is real up to the room: starting it (job ``BOT_START_JOB``) gets a
room token from the project's token provider exactly as configured — signed
with the ODIN access key, fetched from the user's webservice with a real HTTP
call (method, headers, ``bodyTemplate`` with ``{{roomId}}``/``{{userId}}``, the
token read at ``responseTokenPath``), or signed with the project's internal
key for ``rooms`` — and a failure leaves the bot in ``error`` and transcribes
nothing. The room itself is simulated: ``rooms`` rows keyed by project and
``externalRoomId`` hold the peers present (the bot is not one of them).

Peers come from ingested ``participant.joined``/``participant.left`` events,
and speech from ingested ``message.created`` events of a voice source and from
the ``speak`` control. Each peer is a participant (create-or-find by user id);
a join or leave is a system message and each utterance a user message in every
active session of the room whose bot is running. A room that stays empty for a
session's ``idleTimeout`` ends that session (job ``IDLE_JOB``, on the twin clock).
"""

from __future__ import annotations

import json
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin import voice
from twinstack.packs.odin.access_keys import (
    generate_access_key,
    load_access_key,
    room_token,
)
from twinstack.packs.odin.app_settings import get_record, provider
from twinstack.packs.odin.events import SOURCE_BOT, emit_for
from twinstack.packs.odin.messages import SYSTEM_SENDER, add_message
from twinstack.packs.odin.participants import find_or_create, get_participant
from twinstack.packs.odin.sessions import (
    ACTIVE,
    ENDED,
    any_session,
    listening,
    room_key,
    save_private,
    set_status,
)

ROOMS = "rooms"
BOT_START_JOB = "odin.bot.start"
IDLE_JOB = "odin.session.idle"
PRESENCE = "odin:presence"
"""Guarded counters per project: peers present in all its rooms and rooms holding anyone."""
WEBSERVICE_TIMEOUT = 10.0


class BotError(Exception):
    """Why the bot could not join its room."""


def _status(twin: Twin, tenant: str, session: dict[str, Any], status: str, error: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"sessionId": session["id"], "status": status}
    if error:
        data["error"] = error
    with twin.store.transaction():
        updated = save_private(twin, tenant, session, _bot=status, _botError=error)
        emit_for(twin, tenant, "bot.status.changed", data, project_id=str(session["projectId"]),
                 resource_id=f"session:{session['id']}", action="occurred", source=SOURCE_BOT)
    return updated


def schedule_start(twin: Twin, tenant: str, session: dict[str, Any]) -> dict[str, Any]:
    """Have the bot join (the token may need a network call, so it is a job, run at once)."""
    updated = _status(twin, tenant, session, "starting")
    twin.scheduler.schedule(BOT_START_JOB, 0.0, service=twin.slug, tenant=tenant,
                            payload={"sessionId": session["id"]}, job_id=f"odin:bot:{session['id']}")
    return updated


def stop(twin: Twin, tenant: str, session: dict[str, Any]) -> dict[str, Any]:
    """The bot leaves the room and the session ends (``session.updated`` with the previous status)."""
    if session.get("_bot") not in ("stopped", None):
        session = _status(twin, tenant, session, "stopping")
        session = _status(twin, tenant, session, "stopped")
    return set_status(twin, tenant, session, ENDED)


async def token_for(twin: Twin, tenant: str, session: dict[str, Any]) -> str:
    """A room token for the bot from the project's provider; ``BotError`` when none can be had."""
    project_id, room_id = str(session["projectId"]), str(session["externalRoomId"])
    found = provider(twin, tenant, project_id)
    if found is None:
        raise BotError("Project settings not configured")
    user_id = str(found.get("botUserId") or "cortex-bot")
    if found["type"] == "access_key":
        key = load_access_key(str(found.get("accessKey", "")))
        if key is None:
            raise BotError("The configured access key is not valid")
        return room_token(key, room_id, user_id, now=twin.clock.now())
    if found["type"] == "rooms":
        internal = twin.store.meta_setdefault(f"odin:rooms-key:{tenant}:{project_id}", generate_access_key())
        key = load_access_key(internal)
        assert key is not None
        return room_token(key, room_id, user_id, now=twin.clock.now())
    return await _webservice_token(found, room_id, user_id)


async def _webservice_token(config: dict[str, Any], room_id: str, user_id: str) -> str:
    template = str(config.get("bodyTemplate") or "")
    body = template.replace("{{roomId}}", room_id).replace("{{userId}}", user_id)
    method = str(config.get("method") or "POST").upper()
    import httpx  # on first use: it costs the start about 0.1 s (only a configured token webservice needs it)

    try:
        async with httpx.AsyncClient(timeout=WEBSERVICE_TIMEOUT, follow_redirects=False, trust_env=False) as client:
            response = await client.request(method, str(config["url"]), headers=dict(config.get("headers") or {}),
                                            content=body.encode() if method != "GET" and body else None)
    except httpx.HTTPError as exc:
        raise BotError(f"token webservice unreachable: {exc.__class__.__name__}") from None
    if response.status_code // 100 != 2:
        raise BotError(f"token webservice answered HTTP {response.status_code}")
    try:
        value: Any = response.json()
    except json.JSONDecodeError:
        raise BotError("token webservice did not answer JSON") from None
    for part in str(config.get("responseTokenPath") or "token").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise BotError(f"no token at {config.get('responseTokenPath')!r} in the webservice's answer")
    return value


async def run_start(twin: Twin, tenant: str, session_id: str) -> None:
    session = any_session(twin, tenant, session_id)
    if session is None or session.get("status") != ACTIVE or session.get("_bot") != "starting":
        return
    try:
        await token_for(twin, tenant, session)
        failure = None
    except BotError as exc:
        failure = str(exc)
    # Read again: the session may have been stopped while the token was being fetched.
    session = any_session(twin, tenant, session_id)
    if session is None or session.get("status") != ACTIVE or session.get("_bot") != "starting":
        return
    if failure is not None:
        _status(twin, tenant, session, "error", failure)
        return
    session = _status(twin, tenant, session, "running")
    room = twin.collection(tenant, ROOMS).get(str(session["_room"]))
    if not (room or {}).get("peers"):
        _watch_idle(twin, tenant, session)


def _watch_idle(twin: Twin, tenant: str, session: dict[str, Any]) -> None:
    timeout = float(session.get("idleTimeout") or 0)
    if timeout > 0:
        twin.scheduler.schedule(IDLE_JOB, timeout, service=twin.slug, tenant=tenant,
                                payload={"sessionId": session["id"], "since": twin.clock.now()},
                                job_id=f"odin:idle:{session['id']}")


def run_idle(twin: Twin, tenant: str, session_id: str, since: float) -> None:
    session = any_session(twin, tenant, session_id)
    if session is None or session.get("status") != ACTIVE:
        return
    room = twin.collection(tenant, ROOMS).get(str(session["_room"])) or {}
    if room.get("peers") or float(room.get("emptySince", since)) > since:
        return
    stop(twin, tenant, session)


def _presence(twin: Twin, tenant: str, project_id: str, peers: int, rooms: int) -> None:
    counts = twin.store.adjust(PRESENCE, f"{tenant}/{project_id}", {"peers": peers, "rooms": rooms})
    if counts is not None:
        voice.note_presence(twin, tenant, project_id, counts.get("peers", 0), counts.get("rooms", 0))


def _running(twin: Twin, tenant: str, project_id: str, room_id: str) -> list[dict[str, Any]]:
    return [s for s in listening(twin, tenant, project_id, room_id) if s.get("_bot") == "running"]


def _debug_audio(twin: Twin, tenant: str, project_id: str) -> bool:
    return bool((get_record(twin, tenant, project_id) or {}).get("debugAudioEnabled"))


def join(
    twin: Twin, tenant: str, project_id: str, room_id: str, user_id: str, *, peer_id: Any = None,
    name: str | None = None, user_data: dict[str, Any] | None = None, announce: bool = False,
) -> dict[str, Any] | None:
    """Put a peer in the room; its participant, or None when the project's peer limit refuses it.

    ``announce`` also emits ``participant.joined`` as the voice server would (for
    the speak control; an ingested join is that event already).
    """
    rooms = twin.collection(tenant, ROOMS)
    key = room_key(project_id, room_id)
    room = rooms.get(key) or {"projectId": project_id, "roomId": room_id, "peers": {}}
    peers: dict[str, Any] = dict(room["peers"])
    peer_key = str(peer_id) if peer_id is not None else user_id
    participant, _ = find_or_create(twin, tenant, project_id, user_id, display_name=name, user_data=user_data)
    if peer_key in peers or (peer_id is None and any(p.get("userId") == user_id for p in peers.values())):
        return participant
    limit = voice.peer_limit(twin, tenant, project_id)
    if limit and len(peers) >= limit:
        return None
    peers[peer_key] = {"userId": user_id, "participantId": participant["id"], "joinedAt": twin.clock.iso(millis=True)}
    with twin.store.transaction():
        rooms.put(key, {**room, "peers": peers})
        _presence(twin, tenant, project_id, 1, 1 if len(peers) == 1 else 0)
        if announce:
            emit_for(twin, tenant, "participant.joined", {"peerId": peer_key, "userId": user_id, "roomId": room_id},
                     project_id=project_id, resource_id=f"participant:{participant['id']}", source="voice:server")
        for session in _running(twin, tenant, project_id, room_id):
            add_message(twin, tenant, session, kind="system", content=f"{participant['displayName']} joined the room",
                        sender_name=SYSTEM_SENDER)
    return participant


def leave(twin: Twin, tenant: str, project_id: str, room_id: str, user_id: str, *, peer_id: Any = None) -> None:
    rooms = twin.collection(tenant, ROOMS)
    key = room_key(project_id, room_id)
    room = rooms.get(key)
    if room is None:
        return
    peers: dict[str, Any] = dict(room["peers"])
    peer_key = str(peer_id) if peer_id is not None else user_id
    if peer_key not in peers:
        peer_key = next((k for k, p in peers.items() if p.get("userId") == user_id), "")
    gone = peers.pop(peer_key, None)
    if gone is None:
        return
    participant = get_participant(twin, tenant, project_id, str(gone["participantId"]))
    name = participant["displayName"] if participant else str(gone["userId"])
    with twin.store.transaction():
        rooms.put(key, {**room, "peers": peers, "emptySince": twin.clock.now()} if not peers else {**room, "peers": peers})
        _presence(twin, tenant, project_id, -1, -1 if not peers else 0)
        for session in _running(twin, tenant, project_id, room_id):
            add_message(twin, tenant, session, kind="system", content=f"{name} left the room", sender_name=SYSTEM_SENDER)
            if not peers:
                _watch_idle(twin, tenant, session)


def say(twin: Twin, tenant: str, project_id: str, room_id: str, user_id: str, text: str, *,
        name: str | None = None) -> list[dict[str, Any]]:
    """A peer speaks (joining first if it is not in the room); the messages the listening bots wrote."""
    participant = join(twin, tenant, project_id, room_id, user_id, name=name, announce=True)
    if participant is None:
        return []
    audio = _debug_audio(twin, tenant, project_id)
    return [
        add_message(twin, tenant, session, kind="user", content=text, sender_name=str(participant["displayName"]),
                    participant=participant, debug_audio=audio)
        for session in _running(twin, tenant, project_id, room_id)
    ]


def room_of_event(twin: Twin, tenant: str, event: dict[str, Any]) -> str | None:
    """The room an ingested voice event is about: its ``roomId``, or its session's room."""
    data = dict(event["payload"].get("data") or {})
    if data.get("roomId") or data.get("externalRoomId"):
        return str(data.get("roomId") or data.get("externalRoomId"))
    session_id = data.get("sessionId") or (str(event.get("resourceId", "")).split(":", 1)[-1]
                                           if str(event.get("resourceId", "")).startswith("session:") else None)
    session = any_session(twin, tenant, str(session_id)) if session_id else None
    if session is None or session.get("projectId") != event.get("projectId"):
        return None
    return str(session["externalRoomId"])


def on_voice_event(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    """An ingested voice event moves the simulated room: joins, leaves, utterances."""
    if not str(event.get("source", "")).startswith("voice:"):
        return
    room_id = room_of_event(twin, tenant, event)
    if room_id is None:
        return
    data = dict(event["payload"].get("data") or {})
    user_id = str(data.get("userId") or data.get("externalUserId") or data.get("peerId") or "")
    if not user_id:
        return
    project_id = str(event["projectId"])
    if event["type"] == "participant.joined":
        join(twin, tenant, project_id, room_id, user_id, peer_id=data.get("peerId"),
             name=data.get("name") or data.get("displayName"), user_data=data.get("userData"))
    elif event["type"] == "participant.left":
        leave(twin, tenant, project_id, room_id, user_id, peer_id=data.get("peerId"))
    elif event["type"] == "message.created":
        text = data.get("content") or data.get("text")
        if isinstance(text, str) and text.strip():
            say(twin, tenant, project_id, room_id, user_id, text.strip(), name=data.get("name"))
