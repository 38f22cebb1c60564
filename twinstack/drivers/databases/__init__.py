"""Real databases for the database API twins (Polykomos, WAYSCloud Databases).

A :class:`Provisioner` creates a database and a login of its own on a real
PostgreSQL or MySQL/MariaDB server, named from the caller's unique id, isolated
from every other tenant's, and limits, measures, locks and drops it with the
server's own mechanisms. Every call blocks and opens its own short-lived admin
connection; nothing here knows of HTTP, tenants or packs.

    provisioner = open_provisioner("postgresql://postgres@127.0.0.1:5432/postgres")
    ok, reason = provisioner.available()
    db = provisioner.create("my-app-db", unique_id=str(uuid4()), connection_limit=5)
    db.connection_string  # postgresql://u3f2a...:<password>@127.0.0.1:5432/my-app-db
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twinstack.drivers.databases.errors import DatabaseDriverError, EngineUnavailable, LoginRefused, NameTaken
from twinstack.drivers.databases.protocol import Provisioner
from twinstack.drivers.databases.values import (
    ColumnInfo,
    ConnectionInfo,
    Engine,
    Provisioned,
    RunResult,
    StatementResult,
    TableInfo,
)

if TYPE_CHECKING:
    from twinstack.drivers.databases.mysql import MySQLProvisioner
    from twinstack.drivers.databases.postgres import PostgresProvisioner

__all__ = [
    "ColumnInfo",
    "ConnectionInfo",
    "DatabaseDriverError",
    "Engine",
    "EngineUnavailable",
    "LoginRefused",
    "MySQLProvisioner",
    "NameTaken",
    "PostgresProvisioner",
    "Provisioned",
    "Provisioner",
    "RunResult",
    "StatementResult",
    "TableInfo",
    "open_provisioner",
]


def open_provisioner(admin_url: str, **options: Any) -> Provisioner:
    """The provisioner for ``admin_url``'s scheme (``postgresql://``, ``mysql://``, ``mariadb://``).

    ``options`` go to the provisioner: ``name_prefix``, ``public_host``, ``public_port``, ``connect_timeout_s``.
    """
    scheme = admin_url.split(":", 1)[0].lower()
    if scheme in ("postgresql", "postgres"):
        from twinstack.drivers.databases.postgres import PostgresProvisioner

        return PostgresProvisioner(admin_url, **options)
    if scheme in ("mysql", "mariadb", "mysql+pymysql"):
        from twinstack.drivers.databases.mysql import MySQLProvisioner

        return MySQLProvisioner(admin_url, **options)
    raise ValueError(f"no database provisioner for {scheme!r} URLs (use postgresql:// or mysql://)")


def __getattr__(name: str) -> Any:
    # The client libraries (psycopg, PyMySQL) load with the first database, not with the twin.
    if name == "PostgresProvisioner":
        from twinstack.drivers.databases.postgres import PostgresProvisioner

        return PostgresProvisioner
    if name == "MySQLProvisioner":
        from twinstack.drivers.databases.mysql import MySQLProvisioner

        return MySQLProvisioner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
