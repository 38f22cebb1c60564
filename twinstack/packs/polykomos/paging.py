"""Polykomos' cursor pagination: ``limit`` (1-100, default 25) and ``starting_after``, newest first.

The document gives no order; the twin lists newest first (the order of
creation, which the store keeps). ``starting_after`` names the last item of the
previous page by its id (a UUID for databases and blueprints, an integer for
webhook endpoints and deliveries); an id not on the list gives an empty page,
since the lists declare no error for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from twinstack.engine.context import RequestContext

DEFAULT_LIMIT = 25


def page(
    ctx: RequestContext, items: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> tuple[list[dict[str, Any]], bool]:
    """The requested page of ``items`` (already newest first) and whether more follow it."""
    limit = int(ctx.query.get("limit") or DEFAULT_LIMIT)
    after = ctx.query.get("starting_after")
    start = 0
    if after is not None and str(after) != "":
        position = next((i for i, item in enumerate(items) if key(item) == str(after)), None)
        if position is None:
            return [], False
        start = position + 1
    chosen = list(items[start:start + limit])
    return chosen, start + limit < len(items)
