"""The real servers the driver tests use, and plain clients that log in to them as a tenant would.

``TWINSTACK_TEST_PG`` and ``TWINSTACK_TEST_MYSQL`` name the admin URLs
(default: the local servers, trust auth / root without password). Tests only
create names under a per-session prefix (``twt_<hex>_``), and ``sweep`` drops
every database and login under it, whatever state a failed test left.
"""

from __future__ import annotations

import os
import secrets
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pymysql  # type: ignore[import-untyped]
from psycopg import sql

from twinstack.drivers.databases import ConnectionInfo

ADMIN_URLS = {
    "postgres": os.environ.get("TWINSTACK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    "mysql": os.environ.get("TWINSTACK_TEST_MYSQL", "mysql://root@127.0.0.1:3306/"),
}
SESSION_PREFIX = f"twt_{secrets.token_hex(3)}_"
"""Every database and login the tests make starts with this, so the sweep finds them all."""

LoginError = (psycopg.OperationalError, pymysql.err.OperationalError)
"""What a refused login raises in the client libraries."""
ServerError = (psycopg.Error, pymysql.MySQLError)
"""What a statement the server refuses raises in the client libraries."""


class Client:
    """One tenant-side session, opened with nothing but the connection details handed out."""

    def __init__(self, info: ConnectionInfo, *, autocommit: bool = True) -> None:
        self.engine = info.engine
        self.info = info
        if info.engine == "postgres":
            # The connection string itself, as a user would paste it.
            self.conn: Any = psycopg.connect(info.uri, autocommit=autocommit, connect_timeout=5)
        else:
            # PyMySQL takes no URI: split it the way a user's code would.
            parts = urlsplit(info.uri)
            self.conn = pymysql.connect(
                host=parts.hostname,
                port=parts.port,
                user=parts.username,
                password=parts.password,
                database=parts.path.lstrip("/"),
                autocommit=autocommit,
                connect_timeout=5,
                read_timeout=10,
            )

    def execute(self, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    def executemany(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(statement, rows)
        if self.engine == "mysql" and not self.conn.get_autocommit():
            self.conn.commit()

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass  # a session the server already ended


def login_error(info: ConnectionInfo) -> str | None:
    """The server's refusal when logging in with ``info``, or None if the login works."""
    try:
        Client(info).close()
    except LoginError as exc:
        return str(exc)
    return None


def admin_error(engine: str) -> str | None:
    """Why the admin server cannot be reached, or None."""
    try:
        if engine == "postgres":
            psycopg.connect(ADMIN_URLS[engine], connect_timeout=3).close()
        else:
            parts = urlsplit(ADMIN_URLS[engine])
            pymysql.connect(
                host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
                password=parts.password or "", connect_timeout=3,
            ).close()
    except LoginError as exc:
        return str(exc).strip()
    return None


def admin_execute(engine: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement as the admin (for setting up and checking what the driver did)."""
    if engine == "postgres":
        with psycopg.connect(ADMIN_URLS[engine], autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []
    parts = urlsplit(ADMIN_URLS[engine])
    conn = pymysql.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
        password=parts.password or "", autocommit=True, connect_timeout=5,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        conn.close()


def sweep(engine: str, prefix: str = SESSION_PREFIX) -> None:
    """Drop every database and login whose name starts with ``prefix``."""
    pattern = prefix.replace("_", "\\_") + "%"
    if engine == "postgres":
        with psycopg.connect(ADMIN_URLS[engine], autocommit=True, connect_timeout=5) as conn:
            for (name,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)).fetchall():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            for (name,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (pattern,)).fetchall():
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        return
    schemas = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s"
    for (name,) in admin_execute(engine, schemas, (pattern,)):
        admin_execute(engine, "DROP DATABASE IF EXISTS `" + name.replace("`", "``") + "`")
    for user, host in admin_execute(engine, "SELECT User, Host FROM mysql.user WHERE User LIKE %s", (pattern,)):
        admin_execute(engine, "DROP USER IF EXISTS %s@%s", (user, host))
