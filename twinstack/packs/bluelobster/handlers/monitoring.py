"""Handlers of monitoring and history (``INSTANCES``, ``MONITORING``, ``CONSOLE`` tags): stats, console, log."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, TwinError, ValidationFailed
from twinstack.packs.bluelobster import billing, console, instances, lookup, stats
from twinstack.packs.bluelobster.task_runner import settle_account


async def get_instance_stats_api_v1_instances__instance_id__stats_get(ctx: RequestContext) -> dict[str, Any]:
    return stats.stats(lookup.instance(ctx), ctx.now)


async def get_console_ticket_api_v1_instances__instance_id__console_post(ctx: RequestContext) -> dict[str, Any]:
    return console.issue(lookup.account(ctx), lookup.instance(ctx))


async def get_instance_log_api_v1_instances_log_post(ctx: RequestContext) -> dict[str, Any]:
    """Every instance (deleted ones too) that existed during the range, newest first, with its billing."""
    start, end = _moment(ctx.body, "start_time"), _moment(ctx.body, "end_time")
    if start >= end:
        raise TwinError("start_time must be before end_time", code="invalid_time_range", status=422,
                        field="start_time")
    if end - start > billing.MAX_LOG_RANGE_SECONDS:
        raise TwinError("Maximum time range is 90 days", code="invalid_time_range", status=422, field="end_time")
    owner = lookup.account(ctx)
    settle_account(owner)
    now = owner.now()
    lived = instances.existed_during(owner, start, end, lookup.permissions(ctx).team_id)
    shown = {"start": _shown(start, ctx.body["start_time"]), "end": _shown(end, ctx.body["end_time"])}
    return {"total_records": len(lived), "time_range": shown,
            "instances": [billing.log_entry(owner, i, now) for i in lived]}


def _moment(body: dict[str, Any], field: str) -> float:
    """A ``date-time`` the schema has accepted, as twin seconds (no offset means UTC, as pydantic reads it)."""
    text = str(body[field])
    try:
        parsed = datetime.fromisoformat(text.upper())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
    except (ValueError, OverflowError):
        # RFC 3339 allows a few forms Python's parser does not (leap seconds); pydantic refuses them too.
        issue = FieldIssue("body", (field,), "invalid date-time", "format", text, {"format": "date-time"})
        raise ValidationFailed([issue]) from None


def _shown(at: float, given: str) -> str:
    """A range bound in the document's ``2024-01-15T10:30:00Z`` form; as given when UTC has no such year."""
    try:
        moment = datetime.fromtimestamp(at, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return given
    return f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%SZ")


HANDLERS: dict[str, Handler] = {
    "get_instance_stats_api_v1_instances__instance_id__stats_get": get_instance_stats_api_v1_instances__instance_id__stats_get,
    "get_console_ticket_api_v1_instances__instance_id__console_post":
        get_console_ticket_api_v1_instances__instance_id__console_post,
    "get_instance_log_api_v1_instances_log_post": get_instance_log_api_v1_instances_log_post,
}
