"""Polykomos' cursor pagination: ``limit`` (1-100, default 25) and ``starting_after``, newest first.

The document gives no order; the twin lists newest first (the order of
creation, which the store keeps). ``starting_after`` names the last item of the
previous page by its id (a UUID for databases and blueprints, an integer for
webhook endpoints and deliveries); an id not on the list gives an empty page,
since the lists declare no error for it.

A page is read from the store as one seek past that item (``cursor_at``), so
a deep page costs what the first one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.state import Collection

DEFAULT_LIMIT = 25


@dataclass(slots=True)
class PageRequest:
    """What a list request asks for."""

    limit: int
    starting_after: str | None
    """The id of the item the page starts after, as given; None for the first page."""


def requested(ctx: RequestContext) -> PageRequest:
    after = ctx.query.get("starting_after")
    return PageRequest(int(ctx.query.get("limit") or DEFAULT_LIMIT), None if after in (None, "") else str(after))


def page(
    ctx: RequestContext, collection: Collection, tail: Sequence[dict[str, Any]] = (), key: str = "uuid"
) -> tuple[list[dict[str, Any]], bool]:
    """The requested page of ``collection`` newest first, then ``tail`` (fixed items listed after all of it),
    and whether more follow. ``key`` is the field of a ``tail`` item that ``starting_after`` names."""
    asked = requested(ctx)
    after = None
    if asked.starting_after is not None:
        fixed = next((i for i, item in enumerate(tail) if str(item[key]) == asked.starting_after), None)
        if fixed is not None:
            rest = tail[fixed + 1:]
            return list(rest[:asked.limit]), len(rest) > asked.limit
        after = collection.cursor_at(asked.starting_after)
        if after is None:
            return [], False
    found = collection.find(newest_first=True, limit=asked.limit, after=after)
    if found.cursor is not None or not tail:
        return found.items, found.cursor is not None
    room = asked.limit - len(found.items)
    return [*found.items, *tail[:room]], len(tail) > room
