"""Databases provisioned on a real MySQL (8.0+) or MariaDB (10.4+) server, through PyMySQL.

Each database gets a user ``'<name>'@'%'`` holding ``ALL PRIVILEGES`` on that
database only (the grant escapes ``_`` and ``%``, which would otherwise be
wildcards matching other tenants' databases). Limits are the server's own:
``MAX_USER_CONNECTIONS`` per user, and read-only by revoking everything but
``SELECT``/``SHOW VIEW``. MySQL has no per-database connection limit, so the
user's limit is the database's.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql  # type: ignore[import-untyped]  # ships no type information

from twinstack.drivers.databases import _dumps, naming
from twinstack.drivers.databases._mysql_run import run_statements
from twinstack.drivers.databases._mysql_sql import (
    INNODB_TABLESPACES,
    MAX_CONNECTIONS_UNLIMITED,
    TABLE_SIZES,
    TABLES_AND_COLUMNS,
    file_name,
    grant_target,
    like_prefix,
    measured_size,
    quote_identifier,
    tables_from_rows,
)
from twinstack.drivers.databases.errors import DatabaseDriverError, EngineUnavailable, LoginRefused, NameTaken
from twinstack.drivers.databases.values import (
    ConnectionInfo,
    Engine,
    Provisioned,
    RunResult,
    TableInfo,
    check_connection_limit,
)

MIN_VERSIONS = {"mariadb": (10, 4), "mysql": (8, 0)}
"""``ALTER USER IF EXISTS ... ACCOUNT LOCK`` and per-user ``MAX_USER_CONNECTIONS`` through ``ALTER USER``."""

_ADMIN_PRIVILEGES = {"CREATE", "DROP", "CREATE USER", "PROCESS"}
_KILL_PRIVILEGES = {"SUPER", "CONNECTION ADMIN", "CONNECTION_ADMIN"}
_ER_DB_CREATE_EXISTS = 1007
_ER_CANNOT_USER = 1396
_ER_NO_SUCH_THREAD = 1094
_KILL_WAIT_S = 5.0


def _error(exc: Exception) -> DatabaseDriverError:
    """The driver error for a PyMySQL error, keeping the server's message and error number."""
    args: tuple[Any, ...] = exc.args
    code = str(args[0]) if args and isinstance(args[0], int) else None
    return DatabaseDriverError(str(args[1]) if len(args) > 1 else str(exc), code=code)


def _flavour(version: str) -> tuple[str, tuple[int, int]]:
    """``("mariadb" | "mysql", (major, minor))`` from ``SELECT VERSION()``."""
    numbers = version.split("-")[0].split(".")
    major_minor = (int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0)
    return ("mariadb" if "mariadb" in version.lower() else "mysql"), major_minor


class MySQLProvisioner:
    """A :class:`~twinstack.drivers.databases.protocol.Provisioner` for one MySQL or MariaDB server."""

    engine: Engine = "mysql"

    def __init__(
        self,
        admin_url: str,
        *,
        name_prefix: str = "",
        public_host: str | None = None,
        public_port: int | None = None,
        connect_timeout_s: int = 5,
        admin_statement_timeout_s: int = 30,
    ) -> None:
        """``admin_url`` is ``mysql://user[:password]@host[:port]/`` (``mariadb://`` too) of an account that may
        create databases and users, grant, see and kill other sessions (root). ``?unix_socket=/path`` is honoured.
        ``public_host``/``public_port`` are what clients are told to connect to."""
        parts = urlsplit(admin_url)
        if parts.scheme.lower() not in ("mysql", "mariadb", "mysql+pymysql"):
            raise ValueError(f"not a MySQL admin URL: {admin_url!r}")
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 3306
        self._user = unquote(parts.username or "root")
        self._password = unquote(parts.password or "")
        sockets = parse_qs(parts.query).get("unix_socket")
        self._unix_socket = sockets[0] if sockets else None
        self._name_prefix = naming.check_prefix(name_prefix)
        self.public_host = public_host or self._host
        self.public_port = public_port or self._port
        self._connect_timeout_s = connect_timeout_s
        self._admin_timeout_s = admin_statement_timeout_s

    def __repr__(self) -> str:
        return f"MySQLProvisioner({self._host}:{self._port}, prefix={self._name_prefix!r})"

    # -- connections -------------------------------------------------------------

    def _connect(
        self, user: str, password: str, *, database: str | None, autocommit: bool, read_timeout_s: float, init: str
    ) -> Any:
        return pymysql.connect(
            host=self._host,
            port=self._port,
            unix_socket=self._unix_socket,
            user=user,
            password=password,
            database=database,
            connect_timeout=self._connect_timeout_s,
            read_timeout=read_timeout_s,
            write_timeout=read_timeout_s,
            charset="utf8mb4",
            autocommit=autocommit,
            init_command=init,
        )

    @contextmanager
    def _admin(self) -> Iterator[Any]:
        """A short-lived autocommit admin cursor; its connection is closed on exit."""
        try:
            # DROP DATABASE waits for metadata locks, by default for a year: bound it.
            conn = self._connect(
                self._user,
                self._password,
                database=None,
                autocommit=True,
                read_timeout_s=self._admin_timeout_s,
                init=f"SET SESSION lock_wait_timeout = {self._admin_timeout_s}",
            )
        except pymysql.MySQLError as exc:
            raise EngineUnavailable(
                f"MySQL at {self._host}:{self._port} refused the admin connection: {_error(exc).message}",
                code=_error(exc).code,
            ) from exc
        try:
            with conn.cursor() as cursor:
                yield cursor
        except pymysql.MySQLError as exc:
            raise _error(exc) from exc
        finally:
            conn.close()

    @staticmethod
    def _account(cursor: Any, username: str) -> str:
        return f"{cursor.connection.escape(username)}@'%'"

    # -- availability ------------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        try:
            with self._admin() as cursor:
                cursor.execute("SELECT VERSION(), CURRENT_USER()")
                version, current = cursor.fetchone()
                user, _, host = str(current).rpartition("@")
                cursor.execute(
                    "SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s",
                    (f"'{user}'@'{host}'",),
                )
                privileges = {str(kind): grantable == "YES" for kind, grantable in cursor.fetchall()}
        except DatabaseDriverError as exc:
            return False, exc.message
        flavour, numbers = _flavour(str(version))
        if numbers < MIN_VERSIONS[flavour]:
            least = ".".join(map(str, MIN_VERSIONS[flavour]))
            return False, f"{flavour} {version} is too old: the twin needs {least} or newer"
        missing = sorted(_ADMIN_PRIVILEGES - privileges.keys())
        if not _KILL_PRIVILEGES & privileges.keys():
            missing.append("CONNECTION ADMIN (or SUPER)")
        if not any(privileges.values()):
            missing.append("GRANT OPTION")
        if missing:
            return False, f"the admin account {current} lacks {', '.join(missing)} to provision databases"
        return True, ""

    # -- lifecycle ---------------------------------------------------------------

    def create(self, name_hint: str, *, unique_id: str, connection_limit: int | None = None) -> Provisioned:
        check_connection_limit(connection_limit)
        username = naming.role_name(self._name_prefix, unique_id)
        password = naming.new_password()
        limit = MAX_CONNECTIONS_UNLIMITED if connection_limit is None else connection_limit
        with self._admin() as cursor:
            cursor.execute("SELECT VERSION()")
            (version,) = cursor.fetchone()
            account = self._account(cursor, username)
            try:
                cursor.execute(
                    f"CREATE USER {account} IDENTIFIED BY {cursor.connection.escape(password)}"
                    f" WITH MAX_USER_CONNECTIONS {limit}"
                )
            except pymysql.MySQLError as exc:
                if exc.args and exc.args[0] == _ER_CANNOT_USER:
                    raise NameTaken(f"user {username!r} already exists on the server", code=str(exc.args[0])) from exc
                raise
            database = ""
            try:
                database = self._create_database(cursor, name_hint, unique_id)
                cursor.execute(f"GRANT ALL PRIVILEGES ON {grant_target(database)} TO {account}")
            except BaseException:
                _forget(cursor, database, account)
                raise
        return Provisioned(
            engine="mysql",
            database=database,
            username=username,
            password=password,
            host=self.public_host,
            port=self.public_port,
            connection_string=ConnectionInfo(
                "mysql", self.public_host, self.public_port, database, username, password
            ).uri,
            server_version=str(version),
            connection_limit=connection_limit,
        )

    def _create_database(self, cursor: Any, name_hint: str, unique_id: str) -> str:
        """Create the database under the plain name if free, else the suffixed one; return the name used."""
        for suffixed in (False, True):
            name = naming.database_name(self._name_prefix, name_hint, unique_id, suffixed=suffixed)
            try:
                cursor.execute(f"CREATE DATABASE {quote_identifier(name)} CHARACTER SET utf8mb4")
            except pymysql.MySQLError as exc:
                if exc.args and exc.args[0] == _ER_DB_CREATE_EXISTS:
                    continue
                raise
            return name
        raise NameTaken(f"database names for {name_hint!r} are already taken on the server")

    def exists(self, database: str) -> bool:
        with self._admin() as cursor:
            cursor.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (database,))
            return cursor.fetchone() is not None

    def drop(self, database: str, username: str) -> None:
        with self._admin() as cursor:
            account = self._account(cursor, username)
            # Refuse new logins first, so nothing reconnects between the kill and the drop.
            cursor.execute(f"ALTER USER IF EXISTS {account} ACCOUNT LOCK")
            self._kill(cursor, database, username, also_database=True)
            cursor.execute(f"DROP DATABASE IF EXISTS {quote_identifier(database)}")
            cursor.execute(f"DROP USER IF EXISTS {account}")

    # -- credentials and limits --------------------------------------------------

    def rotate_password(self, username: str, password: str | None = None) -> str:
        password = password or naming.new_password()
        with self._admin() as cursor:
            escaped = cursor.connection.escape(password)
            cursor.execute(f"ALTER USER {self._account(cursor, username)} IDENTIFIED BY {escaped}")
        return password

    def set_connection_limit(self, database: str, username: str, limit: int | None) -> None:
        check_connection_limit(limit, zero=True)
        # MAX_USER_CONNECTIONS 0 would mean "unlimited": a limit of 0 locks the account instead.
        value = MAX_CONNECTIONS_UNLIMITED if limit is None else max(limit, 1)
        lock = "LOCK" if limit == 0 else "UNLOCK"
        with self._admin() as cursor:
            cursor.execute(
                f"ALTER USER {self._account(cursor, username)} WITH MAX_USER_CONNECTIONS {value} ACCOUNT {lock}"
            )

    def size_bytes(self, database: str) -> int:
        with self._admin() as cursor:
            cursor.execute("SELECT VERSION()")
            flavour, _ = _flavour(str(cursor.fetchone()[0]))
            cursor.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (database,))
            if cursor.fetchone() is None:
                raise DatabaseDriverError(f"database {database!r} does not exist")
            cursor.execute(TABLE_SIZES, (database,))
            table_sizes = cursor.fetchall()
            cursor.execute(INNODB_TABLESPACES[flavour], (like_prefix(file_name(database) + "/"),))
            innodb_bytes, innodb_files = cursor.fetchone()
        return measured_size(table_sizes, (int(innodb_bytes), int(innodb_files)))

    def set_read_only(self, database: str, username: str, on: bool) -> None:
        with self._admin() as cursor:
            account, target = self._account(cursor, username), grant_target(database)
            if on:
                cursor.execute(f"REVOKE ALL PRIVILEGES ON {target} FROM {account}")
                cursor.execute(f"GRANT SELECT, SHOW VIEW ON {target} TO {account}")
            else:
                cursor.execute(f"GRANT ALL PRIVILEGES ON {target} TO {account}")
            # Open sessions keep the database privileges they started with; only new ones see the change.
            self._kill(cursor, database, username)

    def terminate_sessions(self, database: str, username: str | None = None) -> int:
        with self._admin() as cursor:
            return self._kill(cursor, database, username)

    def _kill(self, cursor: Any, database: str, username: str | None, *, also_database: bool = False) -> int:
        """Kill ``username``'s sessions (with ``also_database`` or no user: every session on ``database``)
        and wait until they are gone."""
        args: tuple[str, ...]
        if username is None:
            where, args = "DB = %s", (database,)
        elif also_database:
            where, args = "(DB = %s OR USER = %s)", (database, username)
        else:
            where, args = "USER = %s", (username,)
        query = f"SELECT ID FROM information_schema.PROCESSLIST WHERE {where} AND ID <> CONNECTION_ID()"
        cursor.execute(query, args)
        ids = [int(row[0]) for row in cursor.fetchall()]
        for thread in ids:
            try:
                cursor.execute(f"KILL CONNECTION {thread}")
            except pymysql.MySQLError as exc:
                if not exc.args or exc.args[0] != _ER_NO_SUCH_THREAD:
                    raise
        # KILL only flags the thread; a killed session still counts against MAX_USER_CONNECTIONS until it exits.
        deadline = time.monotonic() + _KILL_WAIT_S
        while ids and time.monotonic() < deadline:
            cursor.execute(query, args)
            if not {int(row[0]) for row in cursor.fetchall()} & set(ids):
                break
            time.sleep(0.02)
        return len(ids)

    def session_count(self, database: str) -> int:
        with self._admin() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()",
                           (database,))
            return int(cursor.fetchone()[0])

    def server_version(self) -> str:
        with self._admin() as cursor:
            cursor.execute("SELECT VERSION()")
            return str(cursor.fetchone()[0]).split("-")[0]

    # -- dumps -------------------------------------------------------------------

    def _options(self) -> _dumps.MySQLOptions:
        return _dumps.MySQLOptions(self._host, self._port, self._user, self._password, self._unix_socket)

    def dump(self, database: str, path: str) -> int:
        with self._options() as options:
            _dumps.run([_dumps.mysql_tool("mariadb-dump", "mysqldump"), options, "--single-transaction",
                        "--routines", "--triggers", "--skip-lock-tables", "--no-tablespaces", f"--result-file={path}",
                        database])
        return os.path.getsize(path)

    def restore(self, database: str, username: str, path: str) -> None:
        with self._admin() as cursor:
            cursor.execute("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                           (database,))
            found = cursor.fetchall()
            cursor.execute("SET SESSION foreign_key_checks = 0")
            for name, kind in found:
                what = "VIEW" if kind == "VIEW" else "TABLE"
                cursor.execute(f"DROP {what} IF EXISTS {quote_identifier(database)}.{quote_identifier(name)}")
        with self._options() as options:
            _dumps.run([_dumps.mysql_tool("mariadb", "mysql"), options, database], stdin=Path(path))

    # -- schema ------------------------------------------------------------------

    def list_tables(self, database: str) -> list[str]:
        return sorted(t.name for t in self.introspect(database) if t.kind == "table")

    def introspect(self, database: str) -> list[TableInfo]:
        with self._admin() as cursor:
            cursor.execute(TABLES_AND_COLUMNS, (database,))
            rows = cursor.fetchall()
        return tables_from_rows(database, rows)

    # -- running tenant SQL ------------------------------------------------------

    def run_in_transaction(
        self,
        conn: ConnectionInfo,
        statements: Sequence[str],
        statement_timeout_ms: int,
        *,
        max_rows: int = 1000,
    ) -> RunResult:
        seconds = max(statement_timeout_ms, 1) / 1000
        try:
            session = self._connect(
                conn.username,
                conn.password,
                database=conn.database,
                autocommit=False,
                # A backstop only: the server's own limit below fires first and leaves the session usable.
                read_timeout_s=seconds + 5,
                init="SET SESSION innodb_lock_wait_timeout = {0}, lock_wait_timeout = {0}".format(math.ceil(seconds)),
            )
        except pymysql.MySQLError as exc:
            error = _error(exc)
            raise LoginRefused(error.message, code=error.code) from exc
        try:
            with session.cursor() as cursor:
                flavour, _ = _flavour(session.get_server_info())
                if flavour == "mariadb":
                    cursor.execute(f"SET SESSION max_statement_time = {seconds}")
                else:
                    # MySQL can only limit SELECTs; the lock-wait timeouts above bound the rest.
                    cursor.execute(f"SET SESSION max_execution_time = {statement_timeout_ms}")
            return run_statements(session, statements, max_rows)
        finally:
            session.close()


def _forget(cursor: Any, database: str, account: str) -> None:
    """Undo a half-made database: best effort, since the caller is already raising the real error."""
    statements = [f"DROP USER IF EXISTS {account}"]
    if database:
        statements.insert(0, f"DROP DATABASE IF EXISTS {quote_identifier(database)}")
    for statement in statements:
        try:
            cursor.execute(statement)
        except pymysql.MySQLError:
            pass
