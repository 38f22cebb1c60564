"""Server-Sent Events over the ODIN event bus: live frames, ``Last-Event-ID`` replay, filters, heartbeats.

A stream reads the tenant's persisted ``events`` collection (``events.py``)
from a position on: after the ``Last-Event-ID`` it was given when that event is
still among the last ``REPLAY_LIMIT`` events of the stream's scope, else from
the newest event at connection time. It polls the store every ``POLL`` seconds
(one indexed read past its cursor), so events made by any worker of a
``--workers`` server or in a shared PostgreSQL state arrive too.

Each event is one frame::

    id: <event id>
    event: <type>
    data: <the envelope, one line of JSON>

and ``: heartbeat`` comment lines keep idle connections open. A stream ends by
itself after ``life`` wall-clock seconds (5 minutes at ``--speed realistic``,
scaled with the speed, at least ``MIN_LIFE``), because in-process clients and
Schemathesis read a body to its end; ``retry:`` tells EventSource clients to
reconnect at once, and the replay makes the reconnection lose nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.drivers.webhooks.records import matches
from twinstack.packs.odin.events import EVENTS

LIFE = 300.0
"""Wall-clock seconds a stream lasts at ``--speed realistic`` (scaled by the speed factor)."""
MIN_LIFE = 1.0
"""The shortest stream (``--speed instant``): long enough for an event made right after connecting."""
HEARTBEAT = 15.0
MIN_HEARTBEAT = 0.5
POLL = 0.2
"""Seconds between reads of the event log while nothing new has come."""
REPLAY_LIMIT = 1000
"""``Last-Event-ID`` replays at most this many events; an older id starts live (the docs promise no replay)."""
BATCH = 100


@dataclass(frozen=True, slots=True)
class Filter:
    """What a stream lets through: project (None: every project of the tenant), types, resources."""

    project_id: str | None
    types: tuple[str, ...]
    resources: tuple[str, ...]

    def takes(self, event: dict[str, Any]) -> bool:
        if self.project_id is not None and event.get("projectId") != self.project_id:
            return False
        if not matches(self.types, str(event.get("type", ""))):
            return False
        if not self.resources:
            return True
        resource = str(event.get("resourceId", ""))
        bare = resource.split(":", 1)[-1]
        return resource in self.resources or bare in self.resources


def split_list(text: Any) -> tuple[str, ...]:
    """A comma-separated query value as its non-empty items."""
    if not text:
        return ()
    return tuple(part.strip() for part in str(text).split(",") if part.strip())


def frame(event: dict[str, Any]) -> bytes:
    data = orjson.dumps(event).decode()
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n".encode()


def _where(flt: Filter) -> dict[str, Any] | None:
    return {"projectId": flt.project_id} if flt.project_id is not None else None


def _start(log: Collection, flt: Filter, last_event_id: str | None) -> str | None:
    """The cursor the stream reads on from (None: from the very first event, as no event exists yet)."""
    if last_event_id:
        known = log.get(last_event_id)
        if known is not None and flt.project_id in (None, known.get("projectId")):
            cursor = log.cursor_at(last_event_id)
            newer = log.find(_where(flt), after=cursor, limit=REPLAY_LIMIT + 1)
            if cursor is not None and len(newer.items) <= REPLAY_LIMIT:
                return cursor
    newest = log.find(_where(flt), newest_first=True, limit=1).items
    return log.cursor_at(str(newest[0]["id"])) if newest else None


async def stream(twin: Twin, tenant: str, flt: Filter, last_event_id: str | None) -> AsyncIterator[bytes]:
    """The frames of one connection, ending after the stream's life."""
    log = twin.collection(tenant, EVENTS)
    factor = twin.clock.factor
    life = max(MIN_LIFE, LIFE * factor)
    beat = max(MIN_HEARTBEAT, HEARTBEAT * factor)
    ends = time.monotonic() + life
    cursor = _start(log, flt, last_event_id)
    yield b"retry: 1000\n: connected\n\n"
    next_beat = time.monotonic() + beat
    while True:
        page = log.find(_where(flt), after=cursor, limit=BATCH)
        for event in page.items:
            if flt.takes(event):
                yield frame(event)
        if page.items:
            cursor = log.cursor_at(str(page.items[-1]["id"])) or cursor
            if page.cursor is not None:
                continue
        now = time.monotonic()
        if now >= ends:
            return
        if now >= next_beat:
            yield b": heartbeat\n\n"
            next_beat = now + beat
        await asyncio.sleep(min(POLL, max(0.0, ends - now)))
