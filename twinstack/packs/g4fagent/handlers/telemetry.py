"""Telemetry: a project's two streams, range queries over the recorded samples, alerts (``telemetry``)."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler, PackJob
from twinstack.packs.g4fagent import notifications, telemetry
from twinstack.packs.g4fagent.errors import ApiError, invalid_request
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.handlers.sessions_messages_runs import listing, page_window, parse_ts
from twinstack.packs.g4fagent.records import body_of, iso, new_id, obj, text

MAX_QUERY_POINTS = 5000


def _stream(ctx: RequestContext, stream_id: str) -> str:
    """The kind (``cpu``/``ram``) of a stream of one of the caller's projects, or 404."""
    parsed = telemetry.parse_stream(stream_id)
    if parsed is None or PROJECTS.state(ctx).get(parsed[0]) is None:
        raise ApiError(404, "stream_not_found", f"Telemetry stream not found: {stream_id}")
    return parsed[1]


async def get_projects_project_id_telemetry_streams(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    telemetry.ensure_sampling(ctx.twin)
    limit, offset = page_window(ctx)
    items = telemetry.streams(str(project["id"]))
    return listing(items[offset:offset + limit], limit, offset, offset + limit < len(items))


async def post_telemetry_query(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    stream_id = text(body, "stream_id", required=True)
    span = body.get("time_range")
    if not isinstance(span, dict):
        raise invalid_request("time_range is required: an object with from and to.", "time_range")
    start = parse_ts(span.get("from"), "time_range.from")
    end = parse_ts(span.get("to"), "time_range.to")
    if start is None or end is None:
        raise invalid_request("time_range needs both from and to.", "time_range")
    if end <= start:
        raise invalid_request("time_range.to must be after time_range.from.", "time_range.to")
    limit = body.get("limit", MAX_QUERY_POINTS)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise invalid_request("limit must be a positive integer.", "limit")
    kind = _stream(ctx, stream_id)
    telemetry.ensure_sampling(ctx.twin)
    series = telemetry.query(ctx.twin, kind, start, end, min(limit, MAX_QUERY_POINTS))
    return {"series": series, "anomalies": telemetry.anomalies(series)}


def _condition(body: dict[str, Any]) -> dict[str, Any]:
    condition = obj(body, "condition")
    op = condition.get("op")
    if op not in telemetry.OPS:
        raise invalid_request(f"condition.op must be one of {', '.join(telemetry.OPS)}.", "condition.op")
    value = condition.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_request("condition.value must be a number.", "condition.value")
    for_s = condition.get("for_s", 0)
    if isinstance(for_s, bool) or not isinstance(for_s, (int, float)) or for_s < 0:
        raise invalid_request("condition.for_s must be a number of seconds (0 or more).", "condition.for_s")
    return {**condition, "op": op, "value": float(value), "for_s": float(for_s)}


async def post_telemetry_alerts(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    for name in ("name", "stream_id", "condition", "actions"):
        if name not in body:
            raise invalid_request(f"{name} is required.", name)
    name = text(body, "name", required=True)
    stream_id = text(body, "stream_id", required=True)
    condition = _condition(body)
    actions = body["actions"]
    if not isinstance(actions, (list, dict)):
        raise invalid_request("actions must be an array or an object.", "actions")
    kind = _stream(ctx, stream_id)
    alert_id = new_id("alert")
    alert: dict[str, Any] = {"id": alert_id, "name": name, "stream_id": stream_id, "condition": condition, "actions": actions,
             "created_at": iso(ctx.now), "last_fired_at": None, "_tenant": ctx.tenant, "_kind": kind,
             "_armed_key": "armed", "_since": None}
    telemetry.alerts(ctx.twin).put(alert_id, alert)
    notifications.notify(ctx.twin, ctx.tenant, "info", "Alert created", f"Alert '{name}' watches {stream_id}.",
                         alert_id=alert_id)
    telemetry.ensure_sampling(ctx.twin)
    return {"alert_id": alert_id}


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_telemetry_streams": get_projects_project_id_telemetry_streams,
    "post_telemetry_query": post_telemetry_query,
    "post_telemetry_alerts": post_telemetry_alerts,
}
INDEXES = telemetry.INDEXES
JOBS: dict[str, PackJob] = {telemetry.SAMPLE_JOB: telemetry.sample_job}
