"""How resources are indexed by their declared fields: the text a value is compared as, and the SQL that matches.

``resource_index`` holds one row per resource and declared field. A value is
stored as text with one spelling per value (``1``, ``1.0`` and ``"1"`` are
all ``1``), so a look-up is one equality on an index. PostgreSQL text cannot
hold NUL, so null and absent are spelt ``\\x01`` and a string holding NUL or
``\\x01`` is escaped: no two different values share a spelling.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

import orjson

from twinstack.store.base import UndeclaredIndex, Where

Fetch = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
Execute = Callable[[str, tuple[Any, ...]], int]
"""Run one statement written with ``?`` placeholders (the store puts in its own); rows, or how many changed."""

NULL = "\x01"
"""The spelling of null and absent; an escaped string never is just this."""

INDEX_COLUMNS = "service, tenant, collection, field, rid, value, seq"
ROW_ARGS = "(?,?,?,?,?,?,?)"
UPSERT_TAIL = (
    " ON CONFLICT (service, tenant, collection, field, rid) DO UPDATE SET value=excluded.value, seq=excluded.seq"
    " WHERE resource_index.value<>excluded.value OR resource_index.seq<>excluded.seq"
)
"""Closes ``INSERT INTO resource_index ({INDEX_COLUMNS}) VALUES ...``: a row written again takes the new value.
A row whose value did not change is left untouched, so an update rewrites only the index pages it must."""

ROWS_PER_STATEMENT = 200
"""Index rows written by one statement (7 arguments each: far below either database's limit)."""


KEYS_PER_STATEMENT = 500
"""Keys one ``... IN (...)`` look-up names at the most (well below both databases' parameter limits)."""


def in_chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    """``keys`` in slices of ``KEYS_PER_STATEMENT``, one ``IN`` look-up each."""
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        yield keys[start: start + KEYS_PER_STATEMENT]


def index_value(value: Any) -> str:
    """How a field's value is compared in ``resource_index``: as text, with one spelling per value."""
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)
    if "\x00" in text or NULL in text:
        text = text.replace(NULL, "\x01\x02").replace("\x00", "\x01\x03")
    return text


def index_rows(
    service: str, tenant: str, collection: str, rid: str, seq: int, fields: Sequence[str], data: dict[str, Any]
) -> list[tuple[Any, ...]]:
    return [(service, tenant, collection, name, rid, index_value(data.get(name)), seq) for name in fields]


def base_collection(collection: str) -> str:
    """The name a collection's indexes are declared under: without its ``#scope``."""
    return collection.split("#", 1)[0]


def cursor_seq(after: str | None) -> int | None:
    """The insertion number a ``Page.cursor`` stands for (``None``: from the start)."""
    if after is None or after == "":
        return None
    try:
        return int(after)
    except ValueError:
        return None


def write_index(execute: Execute, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert or overwrite index rows (``index_rows``), a few hundred per statement."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start: start + ROWS_PER_STATEMENT]
        execute(
            f"INSERT INTO resource_index ({INDEX_COLUMNS}) VALUES {','.join([ROW_ARGS] * len(chunk))}{UPSERT_TAIL}",
            tuple(value for row in chunk for value in row),
        )


def build_index(fetch: Fetch, execute: Execute, service: str, collection: str, fields: Sequence[str]) -> None:
    """Index every stored resource of ``collection`` and its scoped variants on ``fields``; call in a transaction."""
    # The counted collections name every (tenant, scoped collection) holding resources,
    # so each is read through its own index, in batches, whatever the collation.
    scoped = [
        (str(tenant), str(name))
        for tenant, name in fetch("SELECT tenant, collection FROM resource_counts WHERE service=?", (service,))
        if base_collection(str(name)) == collection
    ]
    marks = ",".join("?" * len(fields))
    for tenant, name in scoped:
        execute(
            f"DELETE FROM resource_index WHERE service=? AND tenant=? AND collection=? AND field IN ({marks})",
            (service, tenant, name, *fields),
        )
        last = -1
        while True:
            rows = fetch(
                "SELECT rid, seq, data FROM resources WHERE service=? AND tenant=? AND collection=? AND seq>?"
                " ORDER BY seq LIMIT 500",
                (service, tenant, name, last),
            )
            if not rows:
                break
            write_index(execute, [
                row for rid, seq, data in rows
                for row in index_rows(service, tenant, name, rid, int(seq), fields, orjson.loads(data))
            ])
            last = int(rows[-1][1])


def rebuild_indexes(fetch: Fetch, execute: Execute, declared: Mapping[tuple[str, str], Sequence[str]]) -> None:
    """Index every resource again on each field in ``indexed_fields`` (any process's) or ``declared`` (this one's)."""
    execute("DELETE FROM resource_index", ())
    wanted: dict[tuple[str, str], list[str]] = {}
    for service, collection, name in fetch("SELECT service, collection, field FROM indexed_fields", ()):
        wanted.setdefault((str(service), str(collection)), []).append(str(name))
    for (service, collection), fields in declared.items():
        known = wanted.setdefault((service, collection), [])
        for name in fields:
            if name not in known:
                known.append(name)
                execute("INSERT INTO indexed_fields (service, collection, field) VALUES (?,?,?)", (service, collection, name))
    for (service, collection), names in wanted.items():
        build_index(fetch, execute, service, collection, names)


def matching(
    service: str, tenant: str, collection: str, where: Where, declared: Collection[str]
) -> tuple[str, str, list[Any]] | None:
    """``(joins, conditions, args)`` selecting the index rows ``i0`` of resources matching ``where``.

    ``None`` when nothing can match (a field asked to be any of no values).
    """
    undeclared = [name for name in where if name not in declared]
    if undeclared:
        raise UndeclaredIndex(
            f"{service}/{base_collection(collection)}: no index on {', '.join(undeclared)}"
            f" (declared: {', '.join(declared) or 'none'})"
        )
    shape: list[tuple[str, int]] = []
    lists: list[list[str]] = []
    for name, wanted in where.items():
        values = [index_value(v) for v in wanted] if isinstance(wanted, (list, tuple, set, frozenset)) else [
            index_value(wanted)]
        if not values:
            return None
        shape.append((name, len(values)))
        lists.append(values)
    joins, conds = _matching_sql(tuple(n for _, n in shape))
    # The joins' placeholders come first in the statement's text.
    args: list[Any] = []
    for (name, _), values in zip(shape[1:], lists[1:]):
        args += [name, *values]
    return joins, conds, [*args, service, tenant, collection, shape[0][0], *lists[0]]


@functools.lru_cache(maxsize=256)
def _matching_sql(counts: tuple[int, ...]) -> tuple[str, str]:
    """The joins and conditions for fields compared with that many values each (the same text for every call)."""
    joins = ""
    conds = ""
    for n, count in enumerate(counts):
        test = f"i{n}.value=?" if count == 1 else f"i{n}.value IN ({','.join('?' * count)})"
        if n == 0:
            conds = f"i0.service=? AND i0.tenant=? AND i0.collection=? AND i0.field=? AND {test}"
        else:
            joins += (
                f" JOIN resource_index i{n} ON i{n}.service=i0.service AND i{n}.tenant=i0.tenant"
                f" AND i{n}.collection=i0.collection AND i{n}.rid=i0.rid AND i{n}.field=? AND {test}"
            )
    return joins, conds


def find_statement(
    service: str, tenant: str, collection: str, where: Where | None, declared: Collection[str], *,
    newest_first: bool, after: str | None,
) -> tuple[str, list[Any]] | None:
    """SQL selecting ``(seq, data)`` of the matching resources in page order, past ``after``; None if none can match."""
    position = cursor_seq(after)
    if where:
        match = matching(service, tenant, collection, where, declared)
        if match is None:
            return None
        joins, conds, args = match
    else:
        joins, conds, args = "", "", [service, tenant, collection]
    if position is not None:
        args.append(position)
    return _find_sql(joins, conds, newest_first, position is not None), args


@functools.lru_cache(maxsize=256)
def _find_sql(joins: str, conds: str, newest_first: bool, seeks: bool) -> str:
    if conds:
        sql = (
            f"SELECT i0.seq, r.data FROM resource_index i0{joins} JOIN resources r ON r.service=i0.service"
            f" AND r.tenant=i0.tenant AND r.collection=i0.collection AND r.rid=i0.rid WHERE {conds}"
        )
        seq_col = "i0.seq"
    else:
        sql = "SELECT seq, data FROM resources WHERE service=? AND tenant=? AND collection=?"
        seq_col = "seq"
    if seeks:
        sql += f" AND {seq_col}{'<' if newest_first else '>'}?"
    return sql + f" ORDER BY {seq_col} {'DESC' if newest_first else 'ASC'}"