"""What the project-scoped ODIN resources share: the caller's project, who the caller is, times, paging.

Every sanction, gathering, voice and function path names a project; a project
the tenant does not hold is 403 whether or not it exists elsewhere (Cortex
answers "No access to this project" for both), so nothing of another tenant
is ever reachable and no id of one leaks through a 404.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.errors import FieldIssue, Forbidden, TwinError, ValidationFailed
from twinstack.packs.odin.access import api_key_of
from twinstack.packs.odin.accounts import projects

EARLIEST = 0.0
LATEST = 253402214400.0
"""9999-12-31T00:00:00Z: later times could not be written back as UTC dates."""
MAX_WHOLE = 2**31 - 1
"""The largest whole number a count, limit or offset takes (NestJS' usual 32-bit integer columns)."""
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def require_project(ctx: RequestContext) -> dict[str, Any]:
    """The project of the path, when it is one of the caller's tenant; 403 otherwise."""
    project = projects(ctx.twin, ctx.tenant).get(str(ctx.path.get("projectId", "")))
    if project is None:
        raise Forbidden("No access to this project", code="project_forbidden", field="projectId")
    return project


def caller_id(ctx: RequestContext) -> str:
    """The user behind the request: the JWT's user, or the id of the API key used."""
    key = api_key_of(ctx)
    if key is not None:
        return str(key.data.get("id", ""))
    principal = ctx.principal
    return str(principal.claims.get("sub", "")) if principal is not None else ""


def stamp(ctx: RequestContext, at: float | None = None) -> str:
    return ctx.clock.iso(ctx.now if at is None else at, millis=True)


def bad_field(location: str, name: str, message: str, value: Any = None) -> ValidationFailed:
    """A 400 naming one field, worded as class-validator words it (``<name> <message>``)."""
    return ValidationFailed([FieldIssue(location, (name,), message, "rule", value)])


def refused(message: str) -> TwinError:
    """A 400 for a request that is well formed but not allowed in the resource's state."""
    return TwinError(message, code="bad_request", status=400)


def parse_instant(value: Any, name: str, location: str = "body") -> float:
    """An ISO 8601 date-time as a timestamp (UTC when no offset is given); 400 naming ``name`` otherwise."""
    if not isinstance(value, str):
        raise bad_field(location, name, "must be a valid ISO 8601 date string", value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        at = moment.timestamp()
    except (ValueError, OverflowError):
        raise bad_field(location, name, "must be a valid ISO 8601 date string", value) from None
    if not EARLIEST <= at < LATEST:
        # Times are shown back in UTC: one that cannot be written as a UTC date is not one.
        raise bad_field(location, name, "must be a date between 1970 and 9999", value)
    return at


def whole_number(value: Any, name: str, *, default: int, minimum: int = 0, maximum: int | None = MAX_WHOLE,
                 location: str = "query") -> int:
    """A ``number`` parameter that must be a whole number from ``minimum`` to ``maximum`` (None: no bound)."""
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise bad_field(location, name, "must be a number conforming to the specified constraints", value) from None
    if math.isnan(number) or math.isinf(number) or number != int(number):
        raise bad_field(location, name, "must be an integer number", value)
    if number < minimum:
        raise bad_field(location, name, f"must not be less than {minimum}", value)
    if maximum is not None and number > maximum:
        raise bad_field(location, name, f"must not be greater than {maximum}", value)
    return int(number)


def page_params(ctx: RequestContext) -> tuple[int, int]:
    """``limit`` (default 50, at most 100) and ``offset`` of a paged list."""
    limit = whole_number(ctx.query.get("limit"), "limit", default=DEFAULT_LIMIT, minimum=1, maximum=None)
    offset = whole_number(ctx.query.get("offset"), "offset", default=0, maximum=None)
    # Past the end is an empty page, however far past: the store is asked for no more than the last row.
    return min(limit, MAX_LIMIT), min(offset, MAX_WHOLE)
