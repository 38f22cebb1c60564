"""Guarded counters: one field moved by one conditional statement, so racing processes never cross a bound."""

from __future__ import annotations

from twinstack.store._index import Fetch


def add_within(fetch: Fetch, namespace: str, key: str, name: str, delta: int, low: int | None, high: int | None) -> int | None:
    """Add ``delta`` to one counter field unless that takes it outside ``[low, high]``: the new value, or None."""
    guard = ""
    limits: list[int] = []
    if low is not None:
        guard += " AND counters.value+?>=?"
        limits += [delta, int(low)]
    if high is not None:
        guard += " AND counters.value+?<=?"
        limits += [delta, int(high)]
    if (low is None or delta >= low) and (high is None or delta <= high):
        # An absent field counts 0, so it may be created holding ``delta``. PostgreSQL
        # re-checks the guard on the latest row version, which is what stops two racing
        # callers from both taking the last unit.
        rows = fetch(
            "INSERT INTO counters (namespace, key, field, value) VALUES (?,?,?,?)"
            " ON CONFLICT (namespace, key, field) DO UPDATE SET value=counters.value+excluded.value"
            f"{' WHERE ' + guard[5:] if guard else ''} RETURNING value",
            (namespace, key, name, delta, *limits),
        )
    else:
        rows = fetch(
            f"UPDATE counters SET value=value+? WHERE namespace=? AND key=? AND field=?{guard} RETURNING value",
            (delta, namespace, key, name, *limits),
        )
    return int(rows[0][0]) if rows else None
