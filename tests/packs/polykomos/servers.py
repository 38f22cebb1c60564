"""The real database servers the polykomos tests provision on, and a client that uses what the API hands out.

The twin names a database after the request (``db_name == name`` when free),
so every test database is named ``db_name(label)``: ``pk<session hex>-<label>``.
``sweep`` drops every database under that prefix, and the login that owns it,
whatever a failed test left behind.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pymysql  # type: ignore[import-untyped]  # ships no type information
from psycopg import sql

from tests.drivers.databases.servers import ADMIN_URLS, admin_error, admin_execute

__all__ = ["ADMIN_URLS", "LoginRefused", "SqlClient", "admin_error", "admin_execute", "db_name", "sweep"]

PREFIX = f"pk{secrets.token_hex(3)}"

LoginRefused = (psycopg.OperationalError, pymysql.err.OperationalError)
"""What a refused login raises in the client libraries."""


def db_name(label: str) -> str:
    """A database name valid for the API (``^[a-z0-9][a-z0-9-]{0,62}$``) under this session's prefix."""
    return f"{PREFIX}-{label}"


class SqlClient:
    """A session opened with nothing but the ``connection_string`` the API returned."""

    def __init__(self, connection_string: str) -> None:
        self.mysql = connection_string.startswith("mysql://")
        if self.mysql:
            # PyMySQL takes no URI: split it the way a user's code would.
            parts = urlsplit(connection_string)
            self.conn: Any = pymysql.connect(
                host=parts.hostname, port=parts.port, user=parts.username, password=parts.password,
                database=parts.path.lstrip("/"), autocommit=True, connect_timeout=5, read_timeout=10,
            )
        else:
            self.conn = psycopg.connect(connection_string, autocommit=True, connect_timeout=5)

    def execute(self, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass  # a session the server already ended

    def __enter__(self) -> SqlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sweep(engine: str) -> None:
    """Drop every database named under this session's prefix, and the login owning it."""
    pattern = PREFIX + "-%"
    if engine == "postgres":
        with psycopg.connect(ADMIN_URLS[engine], autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname LIKE %s", (pattern,)
            ).fetchall()
            for name, owner in rows:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                if owner != "postgres":
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(owner)))
        return
    grants = "SELECT DISTINCT GRANTEE, TABLE_SCHEMA FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA LIKE %s"
    for grantee, _schema in admin_execute(engine, grants, (pattern,)):
        user = str(grantee).split("@")[0].strip("'")
        admin_execute(engine, "DROP USER IF EXISTS %s@'%%'", (user,))
    schemas = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s"
    for (name,) in admin_execute(engine, schemas, (pattern,)):
        admin_execute(engine, "DROP DATABASE IF EXISTS `" + name.replace("`", "``") + "`")
