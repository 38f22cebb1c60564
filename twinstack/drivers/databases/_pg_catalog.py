"""The PostgreSQL catalogue query behind ``introspect``, and its rows turned into ``TableInfo``.

It reads ``pg_catalog`` rather than ``information_schema`` because only
``format_type`` spells types with their modifiers and array brackets
(``character varying(80)``, ``numeric(10,2)``, ``integer[]``), which is what a
later text-to-SQL step needs to write correct literals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from twinstack.drivers.databases.values import ColumnInfo, TableInfo

TABLES_AND_COLUMNS: Final = """
SELECT n.nspname, c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       COALESCE(a.attnum = ANY (pk.indkey), false)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY n.nspname, c.relname, a.attnum
"""
"""One row per column (a column-less table gives one row of NULLs); relkind v/m are views."""

_VIEW_KINDS = {"v", "m"}


def tables_from_rows(rows: Sequence[tuple[Any, ...]]) -> list[TableInfo]:
    """Group the query's column rows into tables, keeping the query's order."""
    grouped: dict[tuple[str, str], tuple[str, list[ColumnInfo]]] = {}
    for schema, table, relkind, column, type_, nullable, primary in rows:
        _, columns = grouped.setdefault((schema, table), (relkind, []))
        if column is not None:
            columns.append(ColumnInfo(name=column, type=type_, nullable=bool(nullable), primary_key=bool(primary)))
    return [
        TableInfo(
            schema=schema,
            name=table,
            kind="view" if relkind in _VIEW_KINDS else "table",
            columns=tuple(columns),
        )
        for (schema, table), (relkind, columns) in grouped.items()
    ]
