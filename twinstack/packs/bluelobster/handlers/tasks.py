"""Handlers of the ``TASKS`` tag: one task, and the account's recent tasks."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.bluelobster import lookup, tasks
from twinstack.packs.bluelobster.task_runner import settle_account, settle_subject

MAX_LIMIT = 100
MAX_DAYS = 7
"""The prose's maxima ("max: 100", "max: 7"); the schema has none, so larger values are clamped, not refused."""


async def get_task_status_api_v1_tasks__task_id__get(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    task_id = str(ctx.path["task_id"])
    found = owner.get(tasks.COLLECTION, task_id)
    if found is not None:
        settle_subject(owner, str(found["_subject"]))
        found = owner.get(tasks.COLLECTION, task_id)
    if found is None or tasks.expired(found, owner.now()):
        raise NotFound("Task not found", code="task_not_found", details={"task_id": task_id})
    return tasks.detail(found)


async def list_tasks_api_v1_tasks_get(ctx: RequestContext) -> dict[str, Any]:
    """Newest first, created within ``days``, of one ``status`` if given."""
    owner = lookup.account(ctx)
    limit = min(max(int(ctx.query.get("limit", 50)), 1), MAX_LIMIT)
    days = min(max(int(ctx.query.get("days", 1)), 1), MAX_DAYS)
    status = ctx.query.get("status")
    since = owner.now() - days * 86_400
    recent = sorted(settle_account(owner), key=lambda t: float(t["_created"]), reverse=True)
    found = [t for t in recent if float(t["_created"]) >= since and (not status or t["status"] == str(status).upper())]
    return {"tasks": [tasks.summary(t) for t in found[:limit]], "total": len(found), "limit": limit, "days": days}


HANDLERS: dict[str, Handler] = {
    "get_task_status_api_v1_tasks__task_id__get": get_task_status_api_v1_tasks__task_id__get,
    "list_tasks_api_v1_tasks_get": list_tasks_api_v1_tasks_get,
}
