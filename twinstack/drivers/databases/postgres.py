"""Databases provisioned on a real PostgreSQL server (14 or newer), through psycopg 3.

Each database gets a role of its own that owns it and its ``public`` schema
and can open nothing else: ``CONNECT``/``TEMPORARY`` are revoked from
``PUBLIC`` on the new database, and the role is ``NOSUPERUSER NOCREATEDB
NOCREATEROLE``. Limits are the server's own (``CONNECTION LIMIT`` on role and
database, ``default_transaction_read_only``), so a client sees the refusals a
managed PostgreSQL would give.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from twinstack.drivers.databases import _dumps, naming
from twinstack.drivers.databases._pg_catalog import TABLES_AND_COLUMNS, tables_from_rows
from twinstack.drivers.databases.errors import DatabaseDriverError, EngineUnavailable, LoginRefused, NameTaken
from twinstack.drivers.databases.values import (
    ConnectionInfo,
    Engine,
    Provisioned,
    RunResult,
    StatementResult,
    TableInfo,
    check_connection_limit,
)

MIN_SERVER_VERSION = 140000
"""``pg_terminate_backend(pid, timeout)``, which waits for the session to end, is new in 14."""

_TERMINATE_WAIT_MS = 5000


def _error(exc: psycopg.Error) -> DatabaseDriverError:
    """The driver error for a psycopg error, keeping the server's message and SQLSTATE."""
    message = exc.diag.message_primary or str(exc).strip()
    return DatabaseDriverError(message, code=exc.sqlstate)


class PostgresProvisioner:
    """A :class:`~twinstack.drivers.databases.protocol.Provisioner` for one PostgreSQL server."""

    engine: Engine = "postgres"

    def __init__(
        self,
        admin_url: str,
        *,
        name_prefix: str = "",
        public_host: str | None = None,
        public_port: int | None = None,
        connect_timeout_s: int = 5,
        admin_statement_timeout_ms: int = 30000,
    ) -> None:
        """``admin_url`` is a ``postgresql://`` URL (or key=value string) of a superuser, or a role with
        ``CREATEROLE`` and ``CREATEDB``. ``public_host``/``public_port`` are what clients are told to connect
        to, when the admin URL's address does not route from where they run."""
        params = conninfo_to_dict(admin_url)
        self._admin_url = admin_url
        self._name_prefix = naming.check_prefix(name_prefix)
        self._host = str(params.get("host") or "127.0.0.1")
        self._port = int(params.get("port") or 5432)
        # A Unix-socket admin URL names a directory, which no client elsewhere could use.
        self.public_host = public_host or (self._host if not self._host.startswith("/") else "127.0.0.1")
        self.public_port = public_port or self._port
        self._connect_timeout_s = connect_timeout_s
        self._admin_statement_timeout_ms = admin_statement_timeout_ms

    def __repr__(self) -> str:
        return f"PostgresProvisioner({self._host}:{self._port}, prefix={self._name_prefix!r})"

    # -- connections -------------------------------------------------------------

    @contextmanager
    def _admin(self, database: str | None = None) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """A short-lived autocommit admin connection (to ``database``, else the admin URL's)."""
        extra: dict[str, Any] = {"connect_timeout": self._connect_timeout_s, "application_name": "twinstack-dbdriver"}
        if database is not None:
            extra["dbname"] = database
        if "options" not in conninfo_to_dict(self._admin_url):
            # Bounded, so a lock held by a tenant session cannot hang a worker thread forever.
            extra["options"] = f"-c statement_timeout={self._admin_statement_timeout_ms}"
        try:
            conn = psycopg.connect(make_conninfo(self._admin_url, **extra), autocommit=True)
        except psycopg.Error as exc:
            raise EngineUnavailable(
                f"PostgreSQL at {self._host}:{self._port} refused the admin connection: {str(exc).strip()}",
                code=exc.sqlstate,
            ) from exc
        try:
            with conn:
                yield conn
        except psycopg.Error as exc:
            raise _error(exc) from exc

    # -- availability ------------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        try:
            with self._admin() as admin:
                row = admin.execute(
                    "SELECT current_setting('server_version_num')::int, current_setting('server_version'),"
                    " rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
                ).fetchone()
        except DatabaseDriverError as exc:
            return False, exc.message
        assert row is not None
        version_num, version, role, superuser, createrole, createdb = row
        if version_num < MIN_SERVER_VERSION:
            return False, f"PostgreSQL {version} is too old: the twin needs 14 or newer"
        if not superuser and not (createrole and createdb):
            return False, f"the admin role {role!r} needs CREATEROLE and CREATEDB (or SUPERUSER) to provision databases"
        return True, ""

    # -- lifecycle ---------------------------------------------------------------

    def create(self, name_hint: str, *, unique_id: str, connection_limit: int | None = None) -> Provisioned:
        check_connection_limit(connection_limit)
        username = naming.role_name(self._name_prefix, unique_id)
        password = naming.new_password()
        limit = -1 if connection_limit is None else connection_limit
        with self._admin() as admin:
            version, superuser = admin.execute(
                "SELECT current_setting('server_version'), rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone() or ("", False)
            try:
                admin.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                        " NOBYPASSRLS CONNECTION LIMIT {}"
                    ).format(sql.Identifier(username), sql.Literal(password), sql.Literal(limit))
                )
            except psycopg.errors.DuplicateObject as exc:
                raise NameTaken(f"role {username!r} already exists on the server", code=exc.sqlstate) from exc
            database = ""
            try:
                if not superuser:
                    # CREATE DATABASE ... OWNER needs the admin to be a member of the owner role.
                    admin.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(username)))
                database = self._create_database(admin, name_hint, unique_id, username, limit)
                admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
            except BaseException:
                self._forget(admin, database, username)
                raise
        try:
            with self._admin(database) as inside:
                # The role owns the schema it writes to, so it never depends on PUBLIC's rights there.
                inside.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(username)))
                inside.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        except BaseException:
            with self._admin() as admin:
                self._forget(admin, database, username)
            raise
        return Provisioned(
            engine="postgres",
            database=database,
            username=username,
            password=password,
            host=self.public_host,
            port=self.public_port,
            connection_string=ConnectionInfo(
                "postgres", self.public_host, self.public_port, database, username, password
            ).uri,
            server_version=str(version),
            connection_limit=connection_limit,
        )

    def _create_database(
        self, admin: psycopg.Connection[tuple[Any, ...]], name_hint: str, unique_id: str, owner: str, limit: int
    ) -> str:
        """Create the database under the plain name if free, else the suffixed one; return the name used."""
        for suffixed in (False, True):
            name = naming.database_name(self._name_prefix, name_hint, unique_id, suffixed=suffixed)
            try:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {} CONNECTION LIMIT {}").format(
                        sql.Identifier(name), sql.Identifier(owner), sql.Literal(limit)
                    )
                )
            except psycopg.errors.DuplicateDatabase:
                continue
            return name
        raise NameTaken(f"database names for {name_hint!r} are already taken on the server")

    def _forget(self, admin: psycopg.Connection[tuple[Any, ...]], database: str, username: str) -> None:
        """Undo a half-made database: best effort, since the caller is already raising the real error."""
        statements = [sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(username))]
        if database:
            statements.insert(0, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        for statement in statements:
            try:
                admin.execute(statement)
            except psycopg.Error:
                pass

    def exists(self, database: str) -> bool:
        with self._admin() as admin:
            return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None

    def drop(self, database: str, username: str) -> None:
        with self._admin() as admin:
            role = sql.Identifier(username)
            has_role = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (username,)).fetchone()
            if has_role:
                # Refuse new logins first, so nothing reconnects between the kill and the drop.
                admin.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(role))
                self._terminate(admin, None, username)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))

    # -- credentials and limits --------------------------------------------------

    def rotate_password(self, username: str, password: str | None = None) -> str:
        password = password or naming.new_password()
        with self._admin() as admin:
            admin.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(username), sql.Literal(password))
            )
        return password

    def set_connection_limit(self, database: str, username: str, limit: int | None) -> None:
        check_connection_limit(limit, zero=True)
        value = sql.Literal(-1 if limit is None else limit)
        with self._admin() as admin:
            admin.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(sql.Identifier(username), value))
            admin.execute(sql.SQL("ALTER DATABASE {} CONNECTION LIMIT {}").format(sql.Identifier(database), value))

    def size_bytes(self, database: str) -> int:
        with self._admin() as admin:
            row = admin.execute("SELECT pg_database_size(%s)", (database,)).fetchone()
        return int(row[0]) if row else 0

    def set_read_only(self, database: str, username: str, on: bool) -> None:
        name = sql.Identifier(database)
        with self._admin() as admin:
            if on:
                admin.execute(sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(name))
            else:
                admin.execute(sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only").format(name))
            # The setting applies to new sessions only; ending the open ones makes it hold at once.
            self._terminate(admin, database, None)

    def terminate_sessions(self, database: str, username: str | None = None) -> int:
        with self._admin() as admin:
            return self._terminate(admin, database, username)

    def _terminate(self, admin: psycopg.Connection[tuple[Any, ...]], database: str | None, username: str | None) -> int:
        row = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, %s)) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND (%s::text IS NULL OR datname = %s)"
            " AND (%s::text IS NULL OR usename = %s)",
            (_TERMINATE_WAIT_MS, database, database, username, username),
        ).fetchone()
        return int(row[0]) if row else 0

    def session_count(self, database: str) -> int:
        with self._admin() as admin:
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                (database,)).fetchone()
        return int(row[0]) if row else 0

    def server_version(self) -> str:
        with self._admin() as admin:
            row = admin.execute("SELECT current_setting('server_version')").fetchone()
        return str(row[0]).split()[0] if row else ""

    # -- dumps -------------------------------------------------------------------

    def dump(self, database: str, path: str) -> int:
        env = _dumps.pg_env(conninfo_to_dict(self._admin_url), database)
        _dumps.run([_dumps.pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--file={path}"], env=env)
        return os.path.getsize(path)

    def restore(self, database: str, username: str, path: str) -> None:
        with self._admin(database) as admin:
            owned = admin.execute(
                "SELECT nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = %s",
                (username,)).fetchall()
            for (schema,) in owned:
                admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            admin.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS public AUTHORIZATION {}").format(sql.Identifier(username)))
            admin.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        env = _dumps.pg_env(conninfo_to_dict(self._admin_url), database)
        _dumps.run([_dumps.pg_tool("pg_restore"), "--no-owner", "--no-acl", f"--role={username}", "--exit-on-error",
                    f"--dbname={database}", path], env=env)

    # -- schema ------------------------------------------------------------------

    def list_tables(self, database: str) -> list[str]:
        return sorted(t.qualified_name for t in self.introspect(database) if t.kind == "table")

    def introspect(self, database: str) -> list[TableInfo]:
        with self._admin(database) as admin:
            rows = admin.execute(TABLES_AND_COLUMNS).fetchall()
        return tables_from_rows(rows)

    # -- running tenant SQL ------------------------------------------------------

    def run_in_transaction(
        self,
        conn: ConnectionInfo,
        statements: Sequence[str],
        statement_timeout_ms: int,
        *,
        max_rows: int = 1000,
    ) -> RunResult:
        results = [StatementResult(index=i, sql=s, status="not_run") for i, s in enumerate(statements)]
        run = RunResult(statements=results)
        try:
            session = psycopg.connect(
                host=self._host,
                port=self._port,
                dbname=conn.database,
                user=conn.username,
                password=conn.password,
                connect_timeout=self._connect_timeout_s,
                application_name="twinstack-run",
            )
        except psycopg.Error as exc:
            raise LoginRefused(str(exc).strip(), code=exc.sqlstate) from exc
        try:
            # Transaction-local, so the limit cannot leak into a later use of the same role.
            session.execute("SELECT set_config('statement_timeout', %s, true)", (str(statement_timeout_ms),))
            for result in results:
                if not _run_one(session, result, max_rows):
                    try:
                        session.rollback()
                    except psycopg.Error:
                        pass  # the session is gone (terminated, server restart): nothing was committed
                    return run
            try:
                session.commit()
            except psycopg.Error as exc:
                # A deferred constraint fails at COMMIT: no single statement is to blame.
                run.commit_error = _error(exc).message
                return run
        finally:
            session.close()
        for result in results:
            result.committed = True
        run.committed = True
        return run


def _run_one(session: psycopg.Connection[tuple[Any, ...]], result: StatementResult, max_rows: int) -> bool:
    """Execute one statement into ``result``; False if it failed."""
    started = time.perf_counter()
    try:
        with session.cursor() as cursor:
            # Sent as given, with no parameters, so a '%' in the tenant's SQL stays literal.
            cursor.execute(result.sql)
            if cursor.description is not None:
                result.columns = [column.name for column in cursor.description]
                result.rows = cursor.fetchmany(max_rows)
            result.rows_affected = cursor.rowcount if cursor.rowcount >= 0 else None
    except psycopg.Error as exc:
        error = _error(exc)
        result.status, result.error, result.error_code = "failed", error.message, error.code
        return False
    finally:
        result.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    result.status = "succeeded"
    return True
