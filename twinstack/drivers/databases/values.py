"""The plain values a provisioner returns: connection details, schema, statement results.

They hold only builtins so that a pack can store them, render them or hand
them to a worker thread without knowing which engine made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

Engine = Literal["postgres", "mysql"]
"""The engines a provisioner drives; the values Polykomos calls ``db_type``."""

_SCHEMES: dict[str, Engine] = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mysql+pymysql": "mysql",
}
_DEFAULT_PORTS: dict[Engine, int] = {"postgres": 5432, "mysql": 3306}


@dataclass(slots=True, frozen=True)
class ConnectionInfo:
    """Where and as whom a client logs in to one provisioned database."""

    engine: Engine
    host: str
    port: int
    database: str
    username: str
    password: str

    @property
    def uri(self) -> str:
        """The engine's usual URI: ``postgresql://u:p@h:5432/db`` or ``mysql://u:p@h:3306/db``.

        Names and passwords the driver makes need no escaping, but ones read
        back from elsewhere might, so every part is percent-encoded anyway.
        """
        return self._format(quote(self.password, safe=""))

    def masked_uri(self) -> str:
        """:attr:`uri` with the password replaced by ``***``, for listings and logs."""
        return self._format("***")

    def _format(self, password: str) -> str:
        scheme = "postgresql" if self.engine == "postgres" else "mysql"
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = quote(self.username, safe="")
        return f"{scheme}://{user}:{password}@{host}:{self.port}/{quote(self.database, safe='-_.')}"

    @classmethod
    def from_uri(cls, uri: str) -> ConnectionInfo:
        """Parse a URI made by :attr:`uri` (or any ``postgresql://``/``mysql://`` URL naming a database)."""
        parts = urlsplit(uri)
        engine = _SCHEMES.get(parts.scheme.lower())
        if engine is None:
            raise ValueError(f"not a PostgreSQL or MySQL URI: scheme {parts.scheme!r}")
        return cls(
            engine=engine,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or _DEFAULT_PORTS[engine],
            database=unquote(parts.path.lstrip("/")),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


def check_connection_limit(limit: int | None, *, zero: bool = False) -> None:
    """``ValueError`` unless ``limit`` is None (no limit), at least 1, or 0 where ``zero`` allows it.

    MySQL reads 0 as "unlimited" and PostgreSQL as "no connections at all": only
    ``set_connection_limit`` takes 0, and gives it the one meaning "no new
    connections" on both engines (MySQL: the account is locked).
    """
    if limit is not None and limit < (0 if zero else 1):
        least = "0" if zero else "1"
        raise ValueError(f"connection limit must be at least {least} (or None for no limit), not {limit}")


@dataclass(slots=True, frozen=True)
class Provisioned:
    """A database and its own login, just created on a real server."""

    engine: Engine
    database: str
    """The database's name on the server (may contain hyphens; quoted wherever it is used)."""
    username: str
    """The role (PostgreSQL) or user (MySQL) that owns the database and may open nothing else."""
    password: str
    host: str
    """The host handed to clients: the provisioner's public host, by default the admin URL's."""
    port: int
    connection_string: str
    """:attr:`ConnectionInfo.uri` of the details above, with the password in clear."""
    server_version: str
    """The server's own version string, e.g. ``15.20`` or ``10.11.19-MariaDB-0+deb12u1``."""
    connection_limit: int | None = None
    """The connection limit set at creation; ``None`` means the server's default (no per-database limit)."""

    @property
    def connection(self) -> ConnectionInfo:
        return ConnectionInfo(self.engine, self.host, self.port, self.database, self.username, self.password)


@dataclass(slots=True, frozen=True)
class ColumnInfo:
    """One column as the server describes it."""

    name: str
    type: str
    """The server's type spelling: ``character varying(80)``, ``integer[]``, ``varchar(80)``, ``int(11)``."""
    nullable: bool
    primary_key: bool = False


@dataclass(slots=True, frozen=True)
class TableInfo:
    """A table or view with its columns in declaration order."""

    schema: str
    """PostgreSQL schema (usually ``public``); on MySQL, the database itself."""
    name: str
    kind: Literal["table", "view"]
    columns: tuple[ColumnInfo, ...] = ()

    @property
    def qualified_name(self) -> str:
        """``name`` in the default schema, ``schema.name`` elsewhere."""
        return self.name if self.schema in ("public", "") else f"{self.schema}.{self.name}"


StatementStatus = Literal["succeeded", "failed", "not_run"]


@dataclass(slots=True)
class StatementResult:
    """What one statement of :meth:`Provisioner.run_in_transaction` did."""

    index: int
    """Position in the list given, from 0."""
    sql: str
    status: StatementStatus
    """``not_run`` for statements after the first failure."""
    rows_affected: int | None = None
    """Rows inserted/updated/deleted, or rows returned by a query; ``None`` where the server gives no count (DDL)."""
    duration_ms: float = 0.0
    error: str | None = None
    """The server's message for a failed statement."""
    error_code: str | None = None
    """SQLSTATE (PostgreSQL) or error number (MySQL/MariaDB) of a failed statement."""
    committed: bool = False
    """Whether the statement's effect is permanent. After a rollback, true only for what MySQL committed implicitly."""
    columns: list[str] | None = None
    """Column names of a statement that returned rows."""
    rows: list[tuple[Any, ...]] | None = None
    """The rows it returned (up to the run's ``max_rows``), as the database driver decoded them."""


@dataclass(slots=True)
class RunResult:
    """The outcome of a list of statements run as one transaction."""

    statements: list[StatementResult] = field(default_factory=list)
    committed: bool = False
    """True when every statement succeeded and the transaction was committed."""
    commit_error: str | None = None
    """The server's message when every statement succeeded but the final COMMIT failed (a deferred constraint)."""

    @property
    def failed(self) -> StatementResult | None:
        """The statement that stopped the run, if any."""
        return next((s for s in self.statements if s.status == "failed"), None)

    @property
    def total_duration_ms(self) -> float:
        return sum(s.duration_ms for s in self.statements)
