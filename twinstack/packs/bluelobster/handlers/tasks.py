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
    found = tasks.stored(owner, task_id)
    if found is not None and tasks.is_open(found):
        settle_subject(owner, str(found["_subject"]))
        found = tasks.stored(owner, task_id)
    if found is None or tasks.expired(found, owner.now()):
        raise NotFound("Task not found", code="task_not_found", details={"task_id": task_id})
    return tasks.detail(found)


async def list_tasks_api_v1_tasks_get(ctx: RequestContext) -> dict[str, Any]:
    """Newest first, created within ``days``, of one ``status`` if given."""
    owner = lookup.account(ctx)
    limit = min(max(int(ctx.query.get("limit", 50)), 1), MAX_LIMIT)
    days = min(max(int(ctx.query.get("days", 1)), 1), MAX_DAYS)
    status = ctx.query.get("status")
    settle_account(owner)
    found, total = tasks.created_since(owner, owner.now() - days * tasks.DAY, str(status).upper() if status else None,
                                       limit)
    return {"tasks": [tasks.summary(t) for t in found], "total": total, "limit": limit, "days": days}


HANDLERS: dict[str, Handler] = {
    "get_task_status_api_v1_tasks__task_id__get": get_task_status_api_v1_tasks__task_id__get,
    "list_tasks_api_v1_tasks_get": list_tasks_api_v1_tasks_get,
}
