"""Offsets of the pack's paged lists, as the store can take them.

``page`` and ``offset`` have no maximum in the document, so a client may ask
for a page beyond any 64-bit offset; such a page is simply past the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from twinstack.engine.state import Collection

Settle = Callable[[dict[str, Any]], dict[str, Any]]
"""Brings a stored job to its state as of now."""

STORE_OFFSET_LIMIT = 1 << 62
"""Beyond every collection, within what SQLite and PostgreSQL accept as OFFSET."""


def reachable(offset: int) -> int:
    return min(max(offset, 0), STORE_OFFSET_LIMIT)


def by_settled_status(jobs: Collection, wanted: str | None, earlier: Sequence[str], settle: Settle, limit: int,
                      offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of jobs newest first, settled to now, and how many there are, optionally of status ``wanted``.

    A stored status can be behind the clock (it is written back when a read finds it further on), so a
    filtered list reads the jobs whose stored status is one of ``earlier`` (the states that may have become
    ``wanted``, ``wanted`` among them) through the status index and keeps those that now are ``wanted``.
    """
    if not wanted:
        found = jobs.find(newest_first=True, limit=limit, offset=reachable(offset)).items
        return [settle(j) for j in found], jobs.count()
    candidates = jobs.find({"status": list(earlier)}, newest_first=True).items
    matching = [j for j in map(settle, candidates) if j["status"] == wanted]
    return matching[offset: offset + limit], len(matching)
