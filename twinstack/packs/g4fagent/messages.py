"""A session's messages: stored with ids, numbered in order, and paged by time without reading the session.

Each message is a record of ``/messages`` (by its ``msg_…`` id, indexed by
``session_id``) and an entry ``<session id>.<n>`` of ``/message_order``
holding its id and time, where ``n`` is its place in the session, taken from
a store counter. Messages come in time order, so ``after_ts``/``before_ts``
are found by binary search on ``n`` (a handful of reads by id) and the page is
read by id: a session's length never costs a list request more reads.
"""

from __future__ import annotations

import math
from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.records import Family, iso, new_id

MESSAGES = Family(noun="message", collection="/messages", prefix="msg", id_param="", label="Message",
                  indexed=("session_id",))
ORDER = "/message_order"
COUNTERS = "g4fagent.messages"


def _order(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, ORDER)


def _entry(session_id: str, n: int) -> str:
    return f"{session_id}.{n:09d}"


def add(twin: Twin, tenant: str, session_id: str, role: str, content: list[Any], meta: dict[str, Any],
        message_id: str | None = None) -> dict[str, Any]:
    """Store a message at the end of the session (``message_id`` when the id was promised before)."""
    now = twin.clock.now()
    message = {"id": message_id or new_id(MESSAGES.prefix), "session_id": session_id, "role": role, "content": content,
               "meta": meta, "ts": iso(now)}
    with twin.store.transaction():
        n = twin.store.kv_increment(COUNTERS, f"{tenant}:{session_id}") - 1
        MESSAGES.put(twin.collection(tenant, MESSAGES.collection), message)
        _order(twin, tenant).put(_entry(session_id, n), {"message_id": message["id"], "at": now})
    return message


def count(twin: Twin, tenant: str, session_id: str) -> int:
    stored = twin.store.kv_get(COUNTERS, f"{tenant}:{session_id}")
    return int(stored) if isinstance(stored, (int, str)) and str(stored).isdigit() else 0


def _first_after(twin: Twin, tenant: str, session_id: str, moment: float, total: int, inclusive: bool) -> int:
    """The place of the first message later than ``moment`` (or at it, when ``inclusive``); ``total`` when none."""
    order, low, high = _order(twin, tenant), 0, total
    while low < high:
        middle = (low + high) // 2
        entry = order.get(_entry(session_id, middle))
        at = float(entry["at"]) if entry is not None else float("inf")
        if at < moment or (at == moment and not inclusive):
            low = middle + 1
        else:
            high = middle
    return low


def between(twin: Twin, tenant: str, session_id: str, after: float | None, before: float | None, limit: int,
            offset: int) -> tuple[list[dict[str, Any]], bool]:
    """The page of messages strictly after ``after`` and before ``before`` (Unix seconds), and whether more follow."""
    total = count(twin, tenant, session_id)
    # Bounds compare with the whole second a message's ``ts`` shows: "after 12:00:00" starts at 12:00:01,
    # "before 12:00:00.5" still takes a message shown as 12:00:00.
    low = _first_after(twin, tenant, session_id, math.floor(after) + 1, total, True) if after is not None else 0
    high = _first_after(twin, tenant, session_id, math.ceil(before), total, True) if before is not None else total
    start, stop = low + offset, min(high, low + offset + limit)
    if start >= stop:
        return [], False
    entries = _order(twin, tenant).get_many([_entry(session_id, n) for n in range(start, stop)])
    ids = [str(entries[key]["message_id"]) for key in sorted(entries)]
    found = twin.collection(tenant, MESSAGES.collection).get_many(ids)
    return [found[i] for i in ids if i in found], stop < high
