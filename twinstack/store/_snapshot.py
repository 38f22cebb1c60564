"""The whole state as one JSON document (``/_twinstack/state/export``) and back.

A snapshot names each table's columns next to its rows, so one taken by an
older or newer twinstack, or by the other store implementation, still imports
column by column::

    {"format": "twinstack-state/1",
     "columns": {"tenants": ["id", "name", "created_at", "data"], ...},
     "tenants": [["default", "default", 1767225600.0, "{...}"], ...], ...}

Snapshots written before ``columns`` existed hold every column in declaration
order and import positionally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twinstack.store._schema import COLUMNS, KEYS, TABLES

FORMAT = "twinstack-state/1"

Fetch = Callable[[str], list[tuple[Any, ...]]]
Execute = Callable[[str, tuple[Any, ...]], int]


class SnapshotError(ValueError):
    """The document is not a snapshot this store can import; nothing was changed."""


def export_tables(fetch: Fetch) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "columns": {table: list(COLUMNS[table]) for table in TABLES}}
    for table in TABLES:
        columns = ", ".join(COLUMNS[table])
        out[table] = [list(row) for row in fetch(f"SELECT {columns} FROM {table} ORDER BY {', '.join(KEYS[table])}")]
    return out


def check_snapshot(snapshot: dict[str, Any]) -> None:
    """Raise ``SnapshotError`` when ``snapshot`` cannot be imported (nothing is touched)."""
    _checked(snapshot)


def import_tables(snapshot: dict[str, Any], execute: Execute, placeholders: Callable[[str], str]) -> None:
    """Replace every table with the snapshot's rows; call inside one transaction."""
    plan = _checked(snapshot)
    for table in TABLES:
        execute(f"DELETE FROM {table}", ())
    for table, (columns, rows) in plan.items():
        sql = placeholders(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})")
        for row in rows:
            execute(sql, tuple(row))


def _checked(snapshot: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table's columns and rows, after checking the whole document before anything is deleted."""
    if snapshot.get("format") != FORMAT:
        raise SnapshotError(f"format: expected {FORMAT!r}")
    declared = snapshot.get("columns") or {}
    if not isinstance(declared, dict):
        raise SnapshotError("columns: expected an object of column lists")
    plan: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for table in TABLES:
        columns = declared.get(table, list(COLUMNS[table]))
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise SnapshotError(f"columns.{table}: expected a list of column names")
        unknown = sorted(set(columns) - set(COLUMNS[table]))
        if unknown or len(set(columns)) != len(columns):
            raise SnapshotError(f"columns.{table}: unknown or repeated columns {unknown or columns}")
        rows = snapshot.get(table) or []
        if not isinstance(rows, list):
            raise SnapshotError(f"{table}: expected a list of rows")
        for n, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != len(columns):
                raise SnapshotError(f"{table}[{n}]: expected a list of {len(columns)} values")
            if any(isinstance(v, bool) or not (v is None or isinstance(v, (str, int, float))) for v in row):
                raise SnapshotError(f"{table}[{n}]: values must be strings, numbers or null")
        plan[table] = (columns, rows)
    return plan
