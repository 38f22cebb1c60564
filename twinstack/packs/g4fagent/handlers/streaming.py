"""Streaming: a session's run events as Server-Sent Events (``GET /stream/sessions/{session_id}``).

Each event is ``id: <index>`` / ``event: <type>`` / ``data: {"type", "ts", "data": <run event>}``.
Without ``run_id`` the ids are places in the session's append-only log
(``run_events``), so they are stable however runs interleave; with ``run_id``
they are places among that run's events. ``from_cursor`` skips the first N,
``Last-Event-ID`` resumes just after the id a client last saw.

Upstream writes the backlog and closes. The twin does the same when nothing is
active; while the selected run (or, without ``run_id``, any run of the
session) is still going, it keeps the connection open, sends new events as the
persisted log grows (so a run moved by another worker streams too), a
``: keep-alive`` comment every 15 s, and closes once the last active run is
terminal. A stream lives at most ``MAX_STREAM_S`` seconds, so nothing streams
forever; a client reconnects with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import run_events
from twinstack.packs.g4fagent.errors import ApiError, invalid_request
from twinstack.packs.g4fagent.handlers.projects import SESSIONS
from twinstack.packs.g4fagent.runs import RUNS, TERMINAL

HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
KEEP_ALIVE = b": keep-alive\n\n"
HEARTBEAT_S = 15.0
POLL_S = 0.2
MAX_STREAM_S = 300.0
BATCH = 100


def frame(index: int, stored: dict[str, Any]) -> bytes:
    event = run_events.public(stored)
    envelope = {"type": event.get("type"), "ts": event.get("ts"), "data": event}
    return f"id: {index}\nevent: {event.get('type')}\ndata: {json.dumps(envelope, separators=(',', ':'))}\n\n".encode()


def _start(ctx: RequestContext) -> int:
    cursor = ctx.query.get("from_cursor")
    if isinstance(cursor, int):
        return max(cursor, 0)
    last = ctx.headers.get("last-event-id")
    if last is not None and last.strip():
        try:
            return max(int(last.strip()) + 1, 0)
        except ValueError:
            raise invalid_request("Last-Event-ID must be an event id (an integer).", "Last-Event-ID") from None
    return 0


async def get_stream_sessions_session_id(ctx: RequestContext) -> Reply:
    session = SESSIONS.load(ctx)
    run_id = str(ctx.query.get("run_id") or "").strip()
    if run_id:
        run = RUNS.state(ctx).get(run_id)
        if run is None or run.get("session_id") != session["id"]:
            raise ApiError(404, "run_not_found", f"Run not found: {run_id}")
    start = _start(ctx)
    return Reply(stream=_events(ctx, str(session["id"]), run_id, start), content_type="text/event-stream",
                 headers=dict(HEADERS))


async def _events(ctx: RequestContext, session_id: str, run_id: str, start: int) -> AsyncIterator[bytes]:
    twin, tenant = ctx.twin, ctx.tenant
    runs = RUNS.state(ctx)

    def active() -> bool:
        if run_id:
            run = runs.get(run_id)
            return run is not None and run.get("status") not in TERMINAL
        return runs.count(session_id=session_id, _active=True) > 0

    def read(position: int) -> list[tuple[int, dict[str, Any]]]:
        if run_id:
            found = run_events.of_run(twin, tenant, run_id, position, BATCH)
            return [(position + i, e) for i, e in enumerate(found)]
        return [(int(e["_index"]), e) for e in run_events.of_session(twin, tenant, session_id, position, BATCH)]

    position, sent_any = start, False
    opened = last_sent = time.monotonic()
    while True:
        live = active()
        # Read after looking at the runs: an event written before a run turned terminal is then never missed.
        batch = read(position)
        while batch:
            for index, stored in batch:
                yield frame(index, stored)
                position, sent_any = index + 1, True
            last_sent = time.monotonic()
            batch = read(position)
        if not live:
            break
        now = time.monotonic()
        if now - opened >= MAX_STREAM_S:
            break
        if now - last_sent >= HEARTBEAT_S:
            yield KEEP_ALIVE
            last_sent = now
        await asyncio.sleep(POLL_S)
    if not sent_any:
        yield KEEP_ALIVE


HANDLERS: dict[str, Handler] = {"get_stream_sessions_session_id": get_stream_sessions_session_id}
