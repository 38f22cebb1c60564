"""Guarded counters: one field moved by one conditional statement, so racing processes never cross a bound."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from twinstack.store._index import Fetch, in_chunks
from twinstack.store.base import Bounds


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



class CounterOps:
    """The ``Store`` protocol's guarded counters, over the SQL a ``SqlStore`` runs."""

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        raise NotImplementedError

    def _fetch_q(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _q(self, sql: str) -> str:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def adjust(self, namespace: str, key: str, deltas: Mapping[str, int], within: Bounds | None = None) -> dict[str, int] | None:
        bounds = within or {}
        # Fields in a fixed order, so two transactions never lock them in opposite orders.
        steps = [(name, int(deltas[name]), *bounds.get(name, (None, None))) for name in sorted(deltas)]
        if not steps:
            return {}
        if len(steps) == 1:
            # One guarded statement is all or nothing by itself.
            name, delta, low, high = steps[0]
            value = add_within(self._fetch_q, namespace, key, name, delta, low, high)
            return None if value is None else {name: value}
        if all((low is None or delta >= low) and (high is None or delta <= high) for _, delta, low, high in steps):
            return self._adjust_together(namespace, key, steps)
        try:
            # Within the caller's transaction this is a savepoint: a refusal undoes this call alone.
            with self.transaction():
                out: dict[str, int] = {}
                for name, delta, low, high in steps:
                    value = add_within(self._fetch_q, namespace, key, name, delta, low, high)
                    if value is None:
                        raise _OutOfBounds
                    out[name] = value
                return out
        except _OutOfBounds:
            return None

    def _adjust_together(self, namespace: str, key: str, steps: list[tuple[str, int, int | None, int | None]]) -> dict[str, int] | None:
        """``adjust`` of several fields in one statement, when each delta may start an absent field.

        Each field's row is guarded by its own bounds (PostgreSQL re-checks them on the row's latest
        version); a field refused leaves its row out of what the statement returns, and the savepoint
        then undoes the fields that did move.
        """
        sql, guarded = _together_sql(tuple((name, low is not None, high is not None) for name, _, low, high in steps))
        args: list[Any] = []
        limits: list[Any] = []
        for name, delta, low, high in steps:
            args += (namespace, key, name, delta)
            bounds = [int(b) for b in (low, high) if b is not None]
            if bounds:
                limits += [name, *bounds]
        if not guarded:
            return {str(name): int(value) for name, value in self._fetch_q(sql, tuple(args))}
        try:
            with self.transaction():
                rows = self._fetch_q(sql, (*args, *limits))
                if len(rows) < len(steps):
                    raise _OutOfBounds
                return {str(name): int(value) for name, value in rows}
        except _OutOfBounds:
            return None

    def counters(self, namespace: str, key: str) -> dict[str, int]:
        rows = self._fetch(self._q("SELECT field, value FROM counters WHERE namespace=? AND key=?"), (namespace, key))
        return {str(name): int(value) for name, value in rows}

    def counters_many(self, namespace: str, keys: Iterable[str]) -> dict[str, dict[str, int]]:
        wanted = sorted({str(k) for k in keys})
        out: dict[str, dict[str, int]] = {k: {} for k in wanted}
        for chunk in in_chunks(wanted):
            rows = self._fetch(
                self._q(f"SELECT key, field, value FROM counters WHERE namespace=? AND key IN ({','.join('?' * len(chunk))})"),
                (namespace, *chunk),
            )
            for key, name, value in rows:
                out[str(key)][str(name)] = int(value)
        return out

    def drop_counters(self, namespace: str, key: str | None = None) -> None:
        if key is None:
            self._exec(self._q("DELETE FROM counters WHERE namespace=?"), (namespace,))
        else:
            self._exec(self._q("DELETE FROM counters WHERE namespace=? AND key=?"), (namespace, key))


@functools.lru_cache(maxsize=256)
def _together_sql(shape: tuple[tuple[str, bool, bool], ...]) -> tuple[str, bool]:
    """The statement of ``_adjust_together`` for fields ``(name, has low bound, has high bound)``; whether it guards."""
    guards = []
    for _, low, high in shape:
        tests = [test for test, present in (("counters.value+excluded.value>=?", low),
                                            ("counters.value+excluded.value<=?", high)) if present]
        if tests:
            guards.append(f"(excluded.field<>? OR ({' AND '.join(tests)}))")
    sql = (
        f"INSERT INTO counters (namespace, key, field, value) VALUES {','.join(['(?,?,?,?)'] * len(shape))}"
        " ON CONFLICT (namespace, key, field) DO UPDATE SET value=counters.value+excluded.value"
        f"{' WHERE ' + ' AND '.join(guards) if guards else ''} RETURNING field, value"
    )
    return sql, bool(guards)


class _OutOfBounds(Exception):
    """Rolls back an ``adjust`` whose field would cross a bound."""
