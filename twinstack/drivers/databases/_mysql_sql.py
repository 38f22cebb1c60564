"""MySQL/MariaDB spelling: identifier quoting, grant patterns, and the schema and size queries.

Kept apart from the provisioner because each of these has a trap a plain
backtick misses: ``_`` and ``%`` are wildcards in a database-level GRANT, and
InnoDB names its files with ``@xxxx`` escapes for characters like ``-``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twinstack.drivers.databases.values import ColumnInfo, TableInfo

MAX_CONNECTIONS_UNLIMITED = 2147483647
"""Stands for "no limit". MariaDB counts an account's sessions only while the account has a
non-zero ``MAX_USER_CONNECTIONS``; with 0 (the real "unlimited"), sessions opened before a limit
was set escape it, so the n+1th connection would not be refused."""


def quote_identifier(name: str) -> str:
    """``name`` as a backtick-quoted identifier; a backtick inside is doubled."""
    return "`" + name.replace("`", "``") + "`"


def grant_target(database: str) -> str:
    """The ``db.*`` of a GRANT on exactly ``database``: its ``_`` and ``%`` would otherwise match other databases."""
    literal = database.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return quote_identifier(literal) + ".*"


def file_name(name: str) -> str:
    """How InnoDB names ``name`` in its tablespace list: ASCII letters, digits and ``_`` as-is, else ``@xxxx``."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else f"@{ord(ch):04x}" for ch in name)


def like_prefix(text: str) -> str:
    """A LIKE pattern matching everything that starts with ``text``."""
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


TABLES_AND_COLUMNS = """
SELECT t.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_KEY
FROM information_schema.TABLES t
LEFT JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
WHERE t.TABLE_SCHEMA = %s
ORDER BY t.TABLE_NAME, c.ORDINAL_POSITION
"""
"""One row per column; ``COLUMN_TYPE`` keeps widths and enum members (``varchar(80)``, ``enum('a','b')``)."""


def tables_from_rows(database: str, rows: Sequence[tuple[Any, ...]]) -> list[TableInfo]:
    """Group the query's column rows into tables, keeping the query's order."""
    grouped: dict[str, tuple[str, list[ColumnInfo]]] = {}
    for table, table_type, column, type_, nullable, key in rows:
        _, columns = grouped.setdefault(table, (table_type, []))
        if column is not None:
            columns.append(ColumnInfo(name=column, type=type_, nullable=nullable == "YES", primary_key=key == "PRI"))
    return [
        TableInfo(schema=database, name=table, kind="view" if kind == "VIEW" else "table", columns=tuple(columns))
        for table, (kind, columns) in grouped.items()
    ]


TABLE_SIZES = """
SELECT ENGINE, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)
FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'
"""
"""Sizes from table statistics: exact for MyISAM/Aria, but InnoDB's lag until the statistics are recalculated."""

INNODB_TABLESPACES = {
    "mariadb": "SELECT COALESCE(SUM(ALLOCATED_SIZE), 0), COUNT(*) FROM information_schema.INNODB_SYS_TABLESPACES"
    " WHERE NAME LIKE %s",
    "mysql": "SELECT COALESCE(SUM(ALLOCATED_SIZE), 0), COUNT(*) FROM information_schema.INNODB_TABLESPACES"
    " WHERE NAME LIKE %s",
}
"""Allocated bytes of the per-table InnoDB files (``innodb_file_per_table``, on by default): measured now."""


def measured_size(table_sizes: Sequence[tuple[Any, ...]], innodb_files: tuple[int, int]) -> int:
    """Bytes on disk: InnoDB files where they exist, statistics for the other engines.

    InnoDB tables kept in the shared system tablespace have no file of their
    own, so when none is found their statistics are counted instead.
    """
    innodb_bytes, innodb_file_count = innodb_files
    total = int(innodb_bytes)
    for engine, size in table_sizes:
        if (engine or "").lower() != "innodb" or innodb_file_count == 0:
            total += int(size)
    return total
