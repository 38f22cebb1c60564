"""Answers kept for reads asked again before the state changes.

A client polling a list until an instance is running asks the same question
many times while nothing changes. A handler that says so (``Reply.reuse``: the
answer depends only on the stored state, the caller, the path and the query)
has its rendered answer kept under the store's ``generation``; the same request
is then answered with those bytes for as long as the store reports the same
generation. Any write, by this process or another, changes the generation, so
a kept answer is never older than the state it shows. Nothing is kept where the
store gives no generation (PostgreSQL), nor an answer the renderer had to fill
or repair (filler may carry the time), nor one that holds the request id.

The request is still routed, authenticated, fault-checked and validated
before its answer is looked up: only the handler and the rendering are saved.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from twinstack.store import Store

_ENTRIES = 512
"""Answers kept per service; the oldest goes first."""
_BUDGET = 4 * 1024 * 1024
"""Bytes of answers kept per service; the oldest go first."""
_LARGEST = 256 * 1024
"""Bytes beyond which an answer is not kept at all."""
_SIGHTINGS = 4096
"""Reads remembered as asked once (only a read asked again has its answer kept)."""

Key = tuple[Hashable, ...]
Answer = tuple[int, dict[str, str], bytes, "str | None"]


class ReadCache:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._kept: dict[Key, tuple[Any, Answer]] = {}
        self._bytes = 0
        self._sighted: dict[Key, None] = {}
        self.reusing: set[str] = set()
        """Operations whose handler has offered an answer for reuse: only their requests are looked up."""

    def generation(self) -> Any:
        return self._store.generation()

    def get(self, key: Key) -> Answer | None:
        found = self._kept.get(key)
        if found is None:
            return None
        if found[0] != self._store.generation():
            self._drop(key)
            return None
        status, headers, data, ctype = found[1]
        return status, dict(headers), data, ctype

    def asked_before(self, key: Key) -> bool:
        """Whether this read was asked before (and remember that it now was).

        A read asked once, as most reads with a query of their own are, costs no more than the
        sighting: its answer is kept, and the store's generation read, only from its second asking on.
        """
        if key in self._sighted:
            return True
        if len(self._sighted) >= _SIGHTINGS:
            del self._sighted[next(iter(self._sighted))]
        self._sighted[key] = None
        return False

    def keep(self, key: Key, generation: Any, answer: Answer, request_id: str) -> None:
        """Keep ``answer``, made at ``generation``, unless the state moved meanwhile or it is not reusable."""
        status, headers, data, _ = answer
        if generation is None or not 200 <= status < 300 or len(data) > _LARGEST:
            return
        if request_id.encode() in data or request_id in headers.values():
            return
        if generation != self._store.generation():
            # Written while it was made (or by the handler itself): the next request keeps its answer.
            return
        if key in self._kept:
            self._drop(key)
        while self._kept and (len(self._kept) >= _ENTRIES or self._bytes + len(data) > _BUDGET):
            self._drop(next(iter(self._kept)))
        self._kept[key] = (generation, answer)
        self._bytes += len(data)

    def _drop(self, key: Key) -> None:
        self._bytes -= len(self._kept.pop(key)[1][2])
