"""What a request names, found as its caller may see it, with its tasks settled up to now.

Every handler that reads or changes an instance goes through ``instance``: it
settles the instance's task queue first (so the state is that of this
moment), then answers 404 for an instance that is unknown, deleted or being
deleted, belongs to another tenant, or lies outside a team-scoped key's team.
"""

from __future__ import annotations

import json
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.errors import NotFound
from twinstack.packs.bluelobster import instances
from twinstack.packs.bluelobster.auth import Permissions
from twinstack.packs.bluelobster.permissions import permissions_of
from twinstack.packs.bluelobster.records import Account, Record
from twinstack.packs.bluelobster.task_runner import settle_subject
from twinstack.packs.bluelobster.tasks import Caller


def account(ctx: RequestContext) -> Account:
    return Account(ctx.twin, ctx.tenant)


def permissions(ctx: RequestContext) -> Permissions:
    return permissions_of(ctx.principal)


def caller(ctx: RequestContext) -> Caller:
    credential = ctx.principal.credential if ctx.principal is not None else None
    partial = credential.data.get("partial") if credential is not None else None
    return Caller(str(partial) if partial else None, ctx.client_host or None)


def instance(ctx: RequestContext, param: str = "instance_id") -> Record:
    """The caller's active instance named by the path parameter ``param``, settled; else 404."""
    return instance_at_rest(ctx, param)[0]


def instance_at_rest(ctx: RequestContext, param: str = "instance_id") -> tuple[Record, bool]:
    """``instance``, and whether it had no unfinished task (nothing of it then changes with time alone)."""
    instance_id = str(ctx.path.get(param, ""))
    owner = account(ctx)
    at_rest = settle_subject(owner, instance_id)
    found = instances.get(owner, instance_id)
    if found is None or not instances.is_active(found) or not instances.visible_to(found, permissions(ctx).team_id):
        raise NotFound(f"Instance {instance_id} not found", field=param)
    return found, at_rest


def json_body(ctx: RequestContext) -> dict[str, Any]:
    """A JSON object body an operation takes without declaring it (rename, restore, team); {} when absent or not one."""
    if isinstance(ctx.body, dict):
        return ctx.body
    try:
        parsed = json.loads(ctx.raw_body) if ctx.raw_body else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def query_value(ctx: RequestContext, name: str) -> str | None:
    """An undeclared query parameter's first value."""
    return next((value for key, value in ctx.raw_query if key == name), None)
