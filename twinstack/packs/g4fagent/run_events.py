"""The append-only log of run events, per session: what ``/runs/{id}/events`` lists and the SSE stream sends.

A run event is upstream's ``{type: "status", ts, status, progress}``,
``{type: "token", ts, message_id, text}`` or ``{type: "error", ts, error}``.
Each is stored once, under ``<session id>.<index>``: ``index`` is its place in
the session's log, taken from a store counter, so ids never shift when several
runs of a session interleave (upstream concatenates per-run lists, whose
indices move) and every worker sees the same numbering. ``_run_index`` is its
place among its run's events, the SSE ids of a stream narrowed to one run.
Readers fetch by id (the session's log) or by the indexed ``_run_id``, never
the whole collection.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin

COLLECTION = "/run_events"
INDEXES: dict[str, tuple[str, ...]] = {COLLECTION: ("_run_id",)}
COUNTERS = "g4fagent.run_events"
"""Store counter namespace: one counter per session (its log) and per run."""
PRIVATE = ("_session_id", "_run_id", "_index", "_run_index")


def state(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, COLLECTION)


def event_id(session_id: str, index: int) -> str:
    return f"{session_id}.{index:09d}"


def append(twin: Twin, tenant: str, session_id: str, run_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """Add ``event`` at the end of the session's log (and its run's); returns it as stored."""
    store = twin.store
    with store.transaction():
        index = store.kv_increment(COUNTERS, f"{tenant}:{session_id}") - 1
        run_index = store.kv_increment(COUNTERS, f"{tenant}:{run_id}") - 1
        stored = {**event, "_session_id": session_id, "_run_id": run_id, "_index": index, "_run_index": run_index}
        state(twin, tenant).put(event_id(session_id, index), stored)
    return stored


def public(stored: dict[str, Any]) -> dict[str, Any]:
    """The event as the API shows it (no log bookkeeping)."""
    return {k: v for k, v in stored.items() if k not in PRIVATE}


def of_session(twin: Twin, tenant: str, session_id: str, start: int, limit: int = 100) -> list[dict[str, Any]]:
    """The session's events from index ``start`` on, up to the first one not written yet."""
    ids = [event_id(session_id, i) for i in range(start, start + limit)]
    found = state(twin, tenant).get_many(ids)
    out: list[dict[str, Any]] = []
    for rid in ids:
        if rid not in found:
            break
        out.append(found[rid])
    return out


def of_run(twin: Twin, tenant: str, run_id: str, start: int, limit: int = 100) -> list[dict[str, Any]]:
    """The run's events from its ``start``-th on, in the order they were written."""
    return state(twin, tenant).find({"_run_id": run_id}, limit=limit, offset=start).items
