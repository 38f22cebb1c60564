"""A session's transcript: system and user messages, ``message.created`` events, debug audio.

Messages are rows of ``messages`` indexed by session and participant; the
transcript is read oldest first. A message made while the project's
``debugAudioEnabled`` is on has ``hasDebugAudio: true``, and its audio is a real
WAV file (16 kHz mono 16-bit PCM, 0.35 s per word, a soft tone per word with a
short pause between), rendered on request from the message, so nothing large
is stored. Debug audio is kept for 24 h of twin time, as the document says.
"""

from __future__ import annotations

import io
import math
import struct
import uuid
import wave
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import SOURCE_BOT, emit_for

MESSAGES = "messages"
MESSAGE_INDEXES: dict[str, tuple[str, ...]] = {MESSAGES: ("sessionId", "participantId")}
SYSTEM_SENDER = "[System]"
DEBUG_AUDIO_TTL = 24 * 3600.0
SAMPLE_RATE = 16_000
SECONDS_PER_WORD = 0.35


def add_message(
    twin: Twin, tenant: str, session: dict[str, Any], *, kind: str, content: str, sender_name: str,
    participant: dict[str, Any] | None = None, debug_audio: bool = False,
) -> dict[str, Any]:
    """Store one message of ``session`` and emit ``message.created`` (source ``cortex:bot``)."""
    now = twin.clock.now()
    message: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "sessionId": session["id"],
        "type": kind,
        "senderName": sender_name,
        "content": content,
        "timestamp": twin.clock.iso(now, millis=True),
        "hasDebugAudio": bool(debug_audio and kind == "user"),
        "participantId": participant["id"] if participant else None,
        "externalUserId": participant["externalUserId"] if participant else None,
        "_at": now,
        "_projectId": session["projectId"],
    }
    with twin.store.transaction():
        twin.collection(tenant, MESSAGES).put(message["id"], message)
        emit_for(twin, tenant, "message.created", event_data(message), project_id=str(session["projectId"]),
                 resource_id=f"message:{message['id']}", source=SOURCE_BOT)
    return message


def event_data(message: dict[str, Any]) -> dict[str, Any]:
    return {k: message.get(k) for k in ("id", "sessionId", "participantId", "externalUserId", "type", "senderName",
                                         "content", "timestamp", "hasDebugAudio")}


def view(message: dict[str, Any]) -> dict[str, Any]:
    """The document's ``Message``."""
    return {k: message[k] for k in ("id", "sessionId", "type", "senderName", "content", "timestamp", "hasDebugAudio")}


def transcript(twin: Twin, tenant: str, session_id: str) -> list[dict[str, Any]]:
    """Every message of the session, oldest first (the operation is unpaged: the read is the answer)."""
    return twin.collection(tenant, MESSAGES).find({"sessionId": session_id}).items


def get_message(twin: Twin, tenant: str, message_id: str) -> dict[str, Any] | None:
    try:
        uuid.UUID(message_id)
    except ValueError:
        return None
    return twin.collection(tenant, MESSAGES).get(message_id)


def debug_audio(twin: Twin, message: dict[str, Any]) -> bytes | None:
    """The message's WAV, or None when it has none or it is older than 24 h."""
    if not message.get("hasDebugAudio") or message.get("type") != "user":
        return None
    if twin.clock.now() - float(message.get("_at", 0.0)) > DEBUG_AUDIO_TTL:
        return None
    return render_wav(str(message.get("content", "")))


def render_wav(text: str) -> bytes:
    """16 kHz mono PCM: per word, a tone whose pitch follows the word, then a short silence."""
    words = text.split() or [""]
    samples: list[int] = []
    word_len = int(SAMPLE_RATE * SECONDS_PER_WORD)
    gap = int(SAMPLE_RATE * 0.05)
    for word in words:
        pitch = 180.0 + (sum(map(ord, word)) % 40) * 10.0
        tone = word_len - gap
        for i in range(tone):
            # A short fade in and out keeps the tone free of clicks.
            envelope = min(1.0, i / 400, (tone - i) / 400)
            samples.append(int(6000 * envelope * math.sin(2 * math.pi * pitch * i / SAMPLE_RATE)))
        samples.extend([0] * gap)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()


def forget_participant(twin: Twin, tenant: str, participant_id: str) -> None:
    """A deleted participant's messages stay in their transcripts, no longer linked to anyone."""
    messages = twin.collection(tenant, MESSAGES)
    with twin.store.transaction():
        for message in messages.find({"participantId": participant_id}).items:
            messages.put(str(message["id"]), {**message, "participantId": None})
