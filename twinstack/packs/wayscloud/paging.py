"""Offsets of the pack's paged lists, as the store can take them.

``page`` and ``offset`` have no maximum in the document, so a client may ask
for a page beyond any 64-bit offset; such a page is simply past the end.
"""

from __future__ import annotations

STORE_OFFSET_LIMIT = 1 << 62
"""Beyond every collection, within what SQLite and PostgreSQL accept as OFFSET."""


def reachable(offset: int) -> int:
    return min(max(offset, 0), STORE_OFFSET_LIMIT)
