"""Tag ``Events``: SSE streams, the event schema, signed ingest; and the bus's fan-out job.

``FANOUT_JOB`` runs once per committed event (``twinstack.packs.odin.events``):
it hands the event to the webhook subscriptions of its project and then to
every internal reaction. A reaction is declared by any module of this package
as ``REACTIONS = ((patterns, react), ...)``, ``react(twin, tenant, event)``
(sync or async), run for the events whose type the patterns take.

The control ``GET|POST /_twinstack/odin/events {"tenant", "projectId"?, "type"?, "limit"?}``
lists a tenant's persisted events, oldest first (what SSE and webhooks were given).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import importlib
import pkgutil
import time
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Control, Handler, PackJob
from twinstack.engine.twin import Twin
from twinstack.errors import TwinError, Unauthorized
from twinstack.drivers.webhooks.records import matches
from twinstack.packs.odin.access import api_key_of
from twinstack.packs.odin.accounts import projects
from twinstack.packs.odin.app_settings import ingest_target, project_secret
from twinstack.packs.odin.events import (
    EVENT_INDEXES,
    EVENTS,
    FANOUT_JOB,
    emit_for,
    get_event,
)
from twinstack.packs.odin.project_scope import bad_field, caller_id, require_project
from twinstack.packs.odin.sse import Filter, split_list, stream
from twinstack.packs.odin.webhooks import deliver, start
from twinstack.store import Job

React = Callable[[Twin, str, dict[str, Any]], "Awaitable[None] | None"]
INGEST_WINDOW = 300.0
"""Seconds an ingest ``X-Timestamp`` may differ from the twin's clock (or the wall clock)."""
INGEST_RATE = 100
"""Events per second and project ingest accepts; more is 429."""


@functools.cache
def reactions() -> tuple[tuple[tuple[str, ...], React], ...]:
    """Every module's ``REACTIONS``, in module order (gathered once, on the first event)."""
    package = importlib.import_module(__name__.rsplit(".", 1)[0])
    found: list[tuple[tuple[str, ...], React]] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found += [(tuple(patterns), react) for patterns, react in getattr(module, "REACTIONS", ())]
    return tuple(found)


async def fan_out(twin: Twin, job: Job) -> None:
    event = get_event(twin, job.tenant, str(job.payload.get("eventId", "")))
    if event is None:
        return
    deliver(twin, job.tenant, event)
    for patterns, react in reactions():
        if matches(patterns, str(event["type"])):
            result = react(twin, job.tenant, event)
            if asyncio.iscoroutine(result):
                await result


def _stream_reply(ctx: RequestContext, project_id: str | None) -> Reply:
    flt = Filter(project_id, split_list(ctx.query.get("types")), split_list(ctx.query.get("resources")))
    last = ctx.headers.get("last-event-id")
    return Reply(stream=stream(ctx.twin, ctx.tenant, flt, str(last) if last else None),
                 content_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def stream_all(ctx: RequestContext) -> Any:
    key = api_key_of(ctx)
    only = key.data.get("projectId") if key is not None else None
    return _stream_reply(ctx, str(only) if only else None)


async def stream_project(ctx: RequestContext) -> Any:
    return _stream_reply(ctx, str(require_project(ctx)["id"]))


async def event_schema(ctx: RequestContext) -> Any:
    """One valid envelope, for documentation: a ``session.created`` in the caller's own project."""
    key = api_key_of(ctx)
    only = key.data.get("projectId") if key is not None else None
    listed = projects(ctx.twin, ctx.tenant).find(limit=1).items
    project_id = str(only) if only else str(listed[0]["id"]) if listed else ""
    stamp = ctx.clock.iso(millis=True)
    session_id = "550e8400-e29b-41d4-a716-446655440001"
    return {
        "id": "550e8400-e29b-41d4-a716-446655440000", "tenantId": ctx.tenant, "projectId": project_id,
        "resourceId": f"session:{session_id}", "timestamp": stamp, "type": "session.created", "source": "cortex:api",
        "payload": {"action": "created", "data": {
            "id": session_id, "tenantId": ctx.tenant, "externalRoomId": "lobby", "projectId": project_id,
            "gateway": "gateway.odin.4players.io", "title": "Example session", "createdByUserId": caller_id(ctx),
            "createdAt": stamp, "status": "active"}},
    }


# Per process: a twin's ingest counts per project and second (a --workers server allows each worker its share).
_RATES: weakref.WeakKeyDictionary[Twin, dict[str, tuple[int, int]]] = weakref.WeakKeyDictionary()


def _within_rate(twin: Twin, project_id: str) -> bool:
    counts = _RATES.setdefault(twin, {})
    second = int(time.monotonic())
    at, n = counts.get(project_id, (second, 0))
    n = n + 1 if at == second else 1
    counts[project_id] = (second, n)
    if len(counts) > 10_000:
        counts.clear()
    return n <= INGEST_RATE


def _parse_stamp(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


async def ingest(ctx: RequestContext) -> Any:
    stamp = str(ctx.headers.get("x-timestamp", ""))
    signature = str(ctx.headers.get("x-signature", ""))
    at = _parse_stamp(stamp)
    if at is None or min(abs(at - ctx.now), abs(at - time.time())) > INGEST_WINDOW:
        raise Unauthorized("Unauthorized")
    target = ingest_target(ctx.twin, str(ctx.headers.get("x-project-id", "")))
    if target is None:
        raise Unauthorized("Unauthorized")
    tenant, project_id = target
    secret = project_secret(ctx.twin, tenant, project_id)
    if secret is None:
        raise Unauthorized("Unauthorized")
    expected = hmac.new(secret.encode(), stamp.encode() + ctx.raw_body, "sha256").hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise Unauthorized("Unauthorized")
    if not _within_rate(ctx.twin, project_id):
        raise TwinError("ThrottlerException: Too Many Requests", code="rate_limited", status=429)
    body = dict(ctx.body)
    if body.get("timestamp") is not None and _parse_stamp(str(body["timestamp"])) is None:
        raise bad_field("body", "timestamp", "must be a valid ISO 8601 date string", body["timestamp"])
    payload = dict(body.get("payload") or {})
    data = payload.get("data")
    event = emit_for(
        ctx.twin, tenant, str(body["type"]), dict(data) if isinstance(data, dict) else {}, project_id=project_id,
        resource_id=str(body["resourceId"]), action=str(payload.get("action") or "occurred"),
        changes=payload.get("changes") if isinstance(payload.get("changes"), dict) else None,
        source=str(body["source"]), timestamp=str(body["timestamp"]) if body.get("timestamp") else None,
    )
    return Reply({"id": event["id"]}, status=201)


async def list_events_control(twin: Twin, body: dict[str, Any], request: Any) -> Any:
    """The tenant's events, oldest first; ``projectId`` and ``type`` (patterns) narrow them."""
    query = dict(getattr(request, "query_params", {}) or {})
    merged = {**query, **body}
    tenant = str(merged.get("tenant") or "")
    if not tenant:
        return {"error": "expected {\"tenant\": <id>, \"projectId\"?, \"type\"?, \"limit\"?}"}
    start(twin)
    try:
        limit = min(max(int(merged.get("limit", 1000)), 1), 5000)
    except (TypeError, ValueError):
        return {"error": "limit: expected an integer"}
    project = merged.get("projectId")
    page = twin.collection(tenant, EVENTS).find({"projectId": project} if project else None, limit=limit)
    types = split_list(merged.get("type"))
    return {"events": [e for e in page.items if matches(types, str(e.get("type", "")))]}


INDEXES = EVENT_INDEXES
JOBS: dict[str, PackJob] = {FANOUT_JOB: fan_out}
CONTROLS: dict[str, Control] = {"events": list_events_control}
HANDLERS: dict[str, Handler] = {
    "stream": stream_all,
    "streamProject": stream_project,
    "getEventSchema": event_schema,
    "ingest": ingest,
}
