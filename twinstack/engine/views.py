"""List replies made of stored records' public views, each view made once per stored text.

A list read makes every item again: each stored record is parsed, trimmed to
what the API shows, checked against the document and serialised, although
most of them have not changed since the last read. Here the JSON of an item
is kept under the exact text the store holds for its record, so a record
read again unchanged costs a dictionary look-up, and one that changed (any
write gives it other text) is made afresh. An item enters a reply only once
it is valid against the document's item schema; a reply whose items are not
all valid is left to the renderer, which shapes and repairs it as it does
any reply.

Only operations whose success response is a plain array of items (no
``minItems``, ``uniqueItems`` and the like, which are about the whole list)
are answered this way, and not in a document with write-only properties
(the renderer takes those out); ``array`` returns None for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from twinstack.engine.synth import Synth
from twinstack.spec.model import Operation

Record = dict[str, Any]
View = Callable[[Record], "Record | None"]
"""What one stored record shows in the list (None: the list leaves it out)."""

_ENTRIES = 4096
"""Item views kept per service; the oldest goes first."""
_PLAIN_ARRAY = frozenset({"type", "items", "title", "description", "example", "examples", "nullable"})
"""The keywords an array schema may have for its items alone to decide whether a list is valid."""
_LEFT_OUT = b""
"""Kept for a record its list does not show (no item is empty JSON)."""


class ItemViews:
    """The item views of one service's list replies."""

    def __init__(self, synth: Synth, write_only: bool) -> None:
        self._synth = synth
        self._write_only = write_only
        """The document marks properties write-only: the renderer takes them out, so it makes every reply."""
        self._items: dict[tuple[str, int], dict[str, Any] | None] = {}
        """Item schema per operation and status; None where that reply is not a plain array of items."""
        self._made: dict[tuple[str, str], bytes] = {}

    def array(self, op: Operation, status: int, texts: Iterable[str], view: View) -> bytes | None:
        """The JSON array of ``view`` of each stored record text, in order; None when this reply cannot be
        made of checked items (then the caller replies with the records, for the renderer to shape)."""
        items = self._item_schema(op, status)
        if items is None:
            return None
        key = op.operation_id
        parts: list[bytes] = []
        for text in texts:
            made = self._made.get((key, text))
            if made is None:
                made = self._make(items, text, view)
                if made is None:
                    return None
                if len(self._made) >= _ENTRIES:
                    del self._made[next(iter(self._made))]
                self._made[(key, text)] = made
            if made:
                parts.append(made)
        return b"[" + b",".join(parts) + b"]"

    def _make(self, items: dict[str, Any], text: str, view: View) -> bytes | None:
        shown = view(orjson.loads(text))
        if shown is None:
            return _LEFT_OUT
        try:
            data = orjson.dumps(shown)
        except TypeError:
            # A value orjson cannot write (an integer beyond 64 bits): the renderer knows the long way.
            return None
        # Private keys show in the JSON as ``"_``; a view holding one (or text that looks like one) is
        # left to the renderer, which knows how to take them out.
        if b'"_' in data or not self._synth.valid(items, shown):
            return None
        return data

    def _item_schema(self, op: Operation, status: int) -> dict[str, Any] | None:
        key = (op.operation_id, status)
        try:
            return self._items[key]
        except KeyError:
            found = self._items[key] = self._plain_items(op, status)
            return found

    def _plain_items(self, op: Operation, status: int) -> dict[str, Any] | None:
        if self._write_only:
            return None
        resp = op.response_for(status)
        media = resp.json_media() if resp is not None else None
        schema = self._synth.resolve(media.schema) if media is not None and media.schema is not None else None
        if not isinstance(schema, dict) or schema.get("type") != "array" or not set(schema) <= _PLAIN_ARRAY:
            return None
        items = schema.get("items")
        return items if isinstance(items, dict) else None
