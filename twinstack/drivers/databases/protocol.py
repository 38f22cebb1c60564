"""The ``Provisioner`` seam: what a database API twin may ask of a real server.

Every method blocks: callers in the event loop run them in a worker thread
(``asyncio.to_thread``). Each call opens its own short-lived admin
connection with bounded connect and statement timeouts and closes it before
returning, so a provisioner holds no connection between calls, is safe to
share between threads, and survives a server restart without repair.

Failures raise :mod:`twinstack.drivers.databases.errors`, never a psycopg or
PyMySQL exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from twinstack.drivers.databases.values import ConnectionInfo, Engine, Provisioned, RunResult, TableInfo


class Provisioner(Protocol):
    """Creates, limits, measures and drops isolated databases on one server."""

    engine: Engine
    """``postgres`` or ``mysql``."""

    @property
    def public_host(self) -> str:
        """The host clients are told to connect to."""
        ...

    @property
    def public_port(self) -> int:
        """The port clients are told to connect to: for a private server, the one it listens on now, which
        differs from the one earlier connection strings name when another program took that one."""
        ...

    def available(self) -> tuple[bool, str]:
        """Whether the server is reachable and the admin may create databases and logins.

        The reason is empty when available, else says what is wrong in words a
        client can act on (the twin reports the engine unavailable with it).
        """
        ...

    def create(self, name_hint: str, *, unique_id: str, connection_limit: int | None = None) -> Provisioned:
        """A new database owned by a new login that can open nothing else.

        ``unique_id`` must be unique across every user of the server (a UUID);
        names derive from it (see :mod:`~twinstack.drivers.databases.naming`).
        ``connection_limit`` ``None`` leaves connections unlimited. On failure
        nothing is left behind.
        """
        ...

    def exists(self, database: str) -> bool:
        """Whether a database of that name exists on the server."""
        ...

    def drop(self, database: str, username: str) -> None:
        """Lock the login, end its sessions, drop the database and the login. Missing ones are skipped."""
        ...

    def rotate_password(self, username: str, password: str | None = None) -> str:
        """Set a new password (random unless given) and return it; new logins with the old one fail at once.

        Sessions already open stay open, as on managed database services;
        call :meth:`terminate_sessions` to end them too.
        """
        ...

    def set_connection_limit(self, database: str, username: str, limit: int | None) -> None:
        """Let the server refuse the login's connection number ``limit + 1``; ``None`` lifts the limit.

        ``0`` refuses every new login (open sessions stay, as with any lower limit).
        """
        ...

    def size_bytes(self, database: str) -> int:
        """The database's size on disk, as the server measures it."""
        ...

    def set_read_only(self, database: str, username: str, on: bool) -> None:
        """Make the login's writes to the database fail (``on``), or work again; open sessions are ended."""
        ...

    def terminate_sessions(self, database: str, username: str | None = None) -> int:
        """End every session on the database (only the login's, when given); returns how many."""
        ...

    def session_count(self, database: str) -> int:
        """Sessions open on ``database`` now (the admin's own not counted)."""
        ...

    def server_version(self) -> str:
        """The server's version number, e.g. ``16.4`` or ``10.11.6``."""
        ...

    def dump(self, database: str, path: str) -> int:
        """A logical dump of ``database`` written to the file ``path`` by the server's own tool; its size."""
        ...

    def restore(self, database: str, username: str, path: str) -> None:
        """Replace ``database``'s contents with the dump at ``path``, everything owned by ``username`` again."""
        ...

    def list_tables(self, database: str) -> list[str]:
        """Names of the database's tables (schema-qualified outside ``public``), sorted."""
        ...

    def introspect(self, database: str) -> list[TableInfo]:
        """Tables and views with their columns and types, sorted by schema and name."""
        ...

    def run_in_transaction(
        self,
        conn: ConnectionInfo,
        statements: Sequence[str],
        statement_timeout_ms: int,
        *,
        max_rows: int = 1000,
    ) -> RunResult:
        """Run ``statements`` in order as ``conn``'s login, in one transaction.

        The first failure stops the run and rolls back; later statements are
        ``not_run``. Each statement is limited to ``statement_timeout_ms`` by
        the server. ``conn``'s database, user and password are used, but the
        server is reached the way the admin URL reaches it (the public host
        handed to clients may not route from here). Raises
        :class:`~twinstack.drivers.databases.errors.LoginRefused` when the
        login itself is refused.
        """
        ...
